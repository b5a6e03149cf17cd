import { queueReapply } from '../migrate/reapply-request.js';
import type { StateStore } from '../state/types.js';
import { fromPlain } from '../values/plain.js';
import type { Value } from '../values/index.js';
import { displayValue } from './compare.js';
import { VerifyInconclusiveError } from './errors.js';
import { runVerify, type VerifyRunOptions } from './run-verify.js';
import { planTable } from './table-plan.js';
import type { Difference, VerifyReport } from './types.js';

/** A re-apply of legacy keys through the backfill's chunk mechanism (the same apply path; versions make it safe). */
export interface Requeuer {
  /** Queue these ranges (exclusive `from`, inclusive `to`, key values as text) and resolve once they are applied. */
  requeue(table: string, ranges: readonly { readonly from: readonly string[] | null; readonly to: readonly string[] }[]): Promise<void>;
}

/**
 * The re-apply queue of `siphon reapply` (the state store's audit trail): a running `siphon migrate` takes each
 * request through `backfill.reapply`, then appends `reapply.done`. Waits for every request's `done`.
 */
export function auditQueueRequeuer(state: StateStore, timeoutMs: number): Requeuer {
  return {
    async requeue(table, ranges) {
      const ids = new Set<string>();
      for (const r of ranges) ids.add((await queueReapply(state, { table, from: r.from, to: r.to, by: 'siphon verify --repair' })).id);
      const deadline = Date.now() + timeoutMs;
      while (ids.size > 0) {
        const done = await state.listAudit({ action: 'reapply.done', limit: 1000 });
        for (const e of done.items) ids.delete(e.subject);
        if (ids.size === 0) break;
        if (Date.now() > deadline) throw new VerifyInconclusiveError(table, `${ids.size} re-apply request(s) were not done within ${timeoutMs} ms: is siphon migrate running?`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}

const text = (v: Value): string => {
  const d = displayValue(v);
  return d === null ? '' : String(d);
};

/**
 * `--repair`: the legacy keys of every missing and mismatched row are re-queued into the backfill (one range per key,
 * from the key before it, exclusive, to the key), then the tables concerned are verified again. Extra next rows have
 * no legacy row to re-apply: they stay reported.
 */
export async function repairAndReverify(
  o: VerifyRunOptions, first: VerifyReport, r: { readonly timeoutMs: number; readonly requeuer?: Requeuer },
): Promise<VerifyReport> {
  if (!o.state) throw new VerifyInconclusiveError('(repair)', 'repair needs the state store');
  const requeuer = r.requeuer ?? auditQueueRequeuer(o.state, r.timeoutMs);
  const byTable = new Map<string, Difference[]>();
  for (const t of first.tables) {
    const all = t.differences.length < t.counts.missing + t.counts.mismatched + t.counts.extra && o.results && first.runId !== undefined
      ? (await o.results.listDifferences(first.runId, { sourceTable: t.table })).map((d) => ({ kind: d.kind, legacyKey: d.legacyKey })) as unknown as Difference[]
      : t.differences;
    const fixable = all.filter((d) => (d.kind === 'missing' || d.kind === 'mismatched') && d.legacyKey !== null);
    if (fixable.length) byTable.set(t.table, fixable);
  }
  const requeued: Record<string, number> = {};
  for (const [table, diffs] of byTable) {
    const plan = await planTable(o.config, o.legacy, o.next, table);
    const seen = new Set<string>();
    const ranges: { from: string[] | null; to: string[] }[] = [];
    for (const d of diffs) {
      const shown = plan.table.key.map((k) => d.legacyKey![k] ?? null);
      const id = JSON.stringify(shown);
      if (seen.has(id)) continue;
      seen.add(id);
      const key = plan.table.key.map((k, i) => fromPlain(shown[i], plan.legacyInfo.columns.find((c) => c.name === k)!.type));
      const before = await plan.legacy.predecessor(key);
      ranges.push({ from: before ? before.map(text) : null, to: key.map(text) });
    }
    await requeuer.requeue(table, ranges);
    requeued[table] = ranges.length;
  }
  const again = await runVerify({ ...o, mode: 'repair' });
  return { ...again, repair: { requeued } };
}
