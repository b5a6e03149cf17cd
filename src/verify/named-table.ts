import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { verifyEntityKey } from './entity-key.js';
import { describeFailure, VerifyUsageError } from './errors.js';
import { planTable, type TablePlan } from './table-plan.js';
import type { TableVerifyReport } from './types.js';
import { verifyTable, type TableRunOptions } from './verify-table.js';

/** What one table's verification needs besides the table: the same in the main thread and in a verify thread. */
export interface NamedTableOptions extends Omit<TableRunOptions, 'onProgress' | 'onMatched'> {
  /** Only the rows of this entity key (`--entity E --key K`). */
  readonly key?: string;
  /** The table's legacy row count when the caller already has it (the progress total; saves a COUNT on legacy). */
  readonly total?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onMatched?: (plan: TablePlan, rows: Parameters<NonNullable<TableRunOptions['onMatched']>>[0]) => Promise<void>;
  /**
   * Plans of this run by table, shared by the ranges of a split table verified one after the other on one thread
   * (a plan describes both tables again: tens of ms each time). Only ranges use it: a whole table is planned fresh.
   */
  readonly plans?: Map<string, Promise<TablePlan>>;
}

/**
 * Verifies one legacy table by name: plans it (a table that cannot be described is inconclusive, not an error),
 * loads its open quarantine items, then compares the whole table or one entity's rows. Only a usage error escapes;
 * every other failure is the table's inconclusive result.
 */
export async function verifyNamedTable(config: ResolvedConfig, legacy: Database, next: Database, name: string, o: NamedTableOptions): Promise<TableVerifyReport> {
  let plan: TablePlan;
  try {
    const cache = o.part ? o.plans : undefined;
    let planned = cache?.get(name);
    if (!planned) {
      planned = planTable(config, legacy, next, name);
      if (cache) { cache.set(name, planned); planned.catch(() => cache.delete(name)); }
    }
    plan = await planned;
  } catch (e) {
    return inconclusiveTable(name, describeFailure(e));
  }
  const { key, onProgress, onMatched, total: known, plans: _plans, ...common } = o;
  try {
    await o.quarantined.refresh();
    if (key !== undefined) return await verifyEntityKey(plan, config, key, common);
    const total = known ?? (onProgress ? await plan.legacy.count().catch(() => 0) : 0);
    return await verifyTable(plan, {
      ...common,
      ...(onProgress ? { onProgress: (done: number) => onProgress(done, total) } : {}),
      ...(onMatched ? { onMatched: (rows) => onMatched(plan, rows) } : {}),
    });
  } catch (e) {
    if (e instanceof VerifyUsageError) throw e;
    return inconclusiveTable(name, describeFailure(e));
  }
}

export function inconclusiveTable(table: string, why: string): TableVerifyReport {
  return {
    table, nextTables: [], invariantHolds: null, verdict: 'inconclusive', notes: [why], differences: [], compatibility: 0, ms: 0,
    counts: { legacyRows: 0, legacyCount: 0, expectedNextRows: 0, nextRows: 0, matched: 0, missing: 0, extra: 0, mismatched: 0, quarantined: 0, unmapped: 0, nullKeyRows: 0, rechecked: 0, settledByRecheck: 0 },
  };
}
