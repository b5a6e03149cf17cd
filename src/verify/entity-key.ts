import type { ResolvedConfig } from '../config/types.js';
import { fromPlain } from '../values/plain.js';
import type { Row } from '../values/index.js';
import { VerifyUsageError } from './errors.js';
import type { TablePlan } from './table-plan.js';
import type { TableVerifyReport } from './types.js';
import { emptyCounts, resolvePending, type Pending, type TableRunOptions } from './verify-table.js';
import type { Difference } from './types.js';
import { compatibilityOf, invariantOf, verdictOf } from './verdict.js';

/**
 * `--entity E --key K`: the rows of one entity in one legacy table, compared by key (after apply passed the log
 * head). Next rows of the entity that no legacy row gives cannot be found without a scan of next: extras are not
 * looked for here (a full pass finds them).
 */
export async function verifyEntityKey(plan: TablePlan, config: ResolvedConfig, key: string, o: Omit<TableRunOptions, 'chunkSize'>): Promise<TableVerifyReport> {
  const started = Date.now();
  const t = plan.table;
  const root = t.entity ? config.entities[t.entity]?.root : undefined;
  let rows: Row[];
  if (root === t.name) {
    if (t.key.length !== 1) throw new VerifyUsageError('--key', `${t.name} has a composite key (${t.key.join(', ')}): one entity key cannot name a row`);
    rows = await plan.legacy.byKeys([[typed(plan, t.key[0]!, key)]]);
  } else if (t.entityKeyColumn) {
    rows = await plan.legacy.byColumn(t.entityKeyColumn, typed(plan, t.entityKeyColumn, key));
  } else {
    // the entity key is a function of the row: every row is read and mapped (chunked)
    rows = [];
    for (let after = null as Row[] | null, last: Row[] = []; ; after = last) {
      last = await plan.legacy.page(after && after.length ? t.key.map((k) => after[after.length - 1]![k] ?? null) : null, 2000);
      for (const r of last) { const e = plan.expecter.expect(r); if (e.ok && String(e.entityKey) === key) rows.push(r); }
      if (last.length < 2000) break;
    }
  }
  const counts = emptyCounts();
  counts.legacyRows = rows.length;
  counts.legacyCount = rows.length;
  const reported: Difference[] = [];
  const ctx = { plan, o, counts, unsettled: 0, report: async (ds: readonly Difference[]) => { reported.push(...ds); if (o.sink) await o.sink(ds); } };
  const pending: Pending[] = rows.map((r) => ({ suspect: { legacyKey: t.key.map((k) => r[k] ?? null), seen: r, involved: new Map(), guessed: false }, entityKey: key }));
  await resolvePending(ctx, pending);
  counts.expectedNextRows = counts.matched;
  counts.rechecked = 0;
  counts.settledByRecheck = 0;
  const notes = ['rows of one entity compared by key after apply passed the log head; extra next rows are only found by a full pass'];
  if (ctx.unsettled > 0) notes.push(`${ctx.unsettled} row(s) kept changing`);
  const inconclusive = ctx.unsettled > 0;
  return {
    table: t.name, nextTables: [...plan.targets.keys()], counts, invariantHolds: inconclusive ? null : invariantOf(counts),
    verdict: inconclusive ? 'inconclusive' : verdictOf(counts), notes, differences: reported, compatibility: compatibilityOf(counts), ms: Date.now() - started,
  };
}

function typed(plan: TablePlan, column: string, text: string) {
  const type = plan.legacyInfo.columns.find((c) => c.name === column)?.type ?? 'text';
  try { return fromPlain(type === 'text' ? text : text.trim(), type); } catch (e) {
    throw new VerifyUsageError('--key', `"${text}" is not a value of ${plan.table.name}.${column} (${type}): ${(e as Error).message}`);
  }
}
