import type { EventLog } from '../log/types.js';
import { CONTINUOUS_CHECKPOINT, readChangedKeys } from './changed-keys.js';
import { planTable, type TablePlan } from './table-plan.js';
import type { Difference, VerifyReport } from './types.js';
import { runVerify, type VerifyRunOptions } from './run-verify.js';
import { storeQuarantineView } from './quarantine-view.js';
import { emptyCounts, NO_QUARANTINE, resolvePending } from './verify-table.js';
import { NO_SETTLE } from './settle.js';

export interface ContinuousOptions extends VerifyRunOptions {
  /** The event log: keys changed since the last pass are re-verified first (needs `state` for the checkpoint). */
  readonly log?: EventLog;
  /** Stop after this many passes (default: until `signal` aborts). */
  readonly passes?: number;
  /** Pause between passes (default 5 s). */
  readonly intervalMs?: number;
  readonly onPass?: (pass: number, report: VerifyReport, changed: Readonly<Record<string, { keys: number; differing: number }>>) => void | Promise<void>;
}

/**
 * Continuous mode: pass after pass, first the keys changed since the last pass (from the log, compared by key once
 * apply passed them), then a full pass (which also finds what changed behind Siphon's back in next: a row deleted
 * there is reported by the next pass). Each pass's results go to the state store: the running compatibility figure
 * per table is the latest pass's. Returns the last pass's report.
 */
export async function runContinuous(o: ContinuousOptions): Promise<VerifyReport> {
  let last: VerifyReport | undefined;
  const plans = new Map<string, TablePlan>();
  const plan = async (t: string) => plans.get(t) ?? plans.set(t, await planTable(o.config, o.legacy, o.next, t)).get(t)!;
  for (let pass = 1; o.passes === undefined || pass <= o.passes; pass++) {
    if (o.signal?.aborted) break;
    const changed: Record<string, { keys: number; differing: number }> = {};
    const extra: Difference[] = [];
    if (o.log && o.state) {
      const keys = await readChangedKeys(o.log, o.state, o.config, plan);
      for (const [table, suspects] of keys.byTable) {
        if (o.table !== undefined && table !== o.table) continue;
        const p = await plan(table);
        const counts = emptyCounts();
        const quarantined = storeQuarantineView(o.state, table);
        await quarantined.refresh();
        const ctx = { plan: p, o: { settler: o.settler ?? NO_SETTLE, quarantined: o.state ? quarantined : NO_QUARANTINE, ...(o.signal ? { signal: o.signal } : {}) }, counts, unsettled: 0, report: async (ds: readonly Difference[]) => { extra.push(...ds); } };
        await resolvePending(ctx, [...suspects.values()].map((s) => ({ suspect: s, entityKey: undefined })));
        changed[table] = { keys: suspects.size, differing: counts.missing + counts.extra + counts.mismatched };
      }
      if (keys.to !== null && keys.to !== keys.from) await o.state.saveCheckpoint(CONTINUOUS_CHECKPOINT, keys.from, keys.to);
    }
    const report = await runVerify({ ...o, mode: 'continuous' });
    // a changed key that differs is also seen by the full pass when it persists; keep the by-key finding in the notes
    for (const d of extra) {
      const t = report.tables.find((x) => x.table === d.sourceTable);
      const note = `changed key ${d.kind}: ${d.nextTable} ${JSON.stringify(d.key)}`;
      if (t && !t.notes.includes(note)) (t.notes as string[]).push(note);
    }
    await o.onPass?.(pass, report, changed);
    last = report;
    if (o.passes !== undefined && pass >= o.passes) break;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, o.intervalMs ?? 5000);
      o.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
  }
  if (!last) return runVerify({ ...o, mode: 'continuous' });
  return last;
}
