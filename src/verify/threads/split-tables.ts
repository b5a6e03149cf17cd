import type { Database } from '../../backends/types.js';
import type { ResolvedConfig } from '../../config/types.js';
import { describeFailure } from '../errors.js';
import { MIN_PART_ROWS, mergeParts, planParts, type TablePart } from '../parts.js';
import { planTable, type TablePlan } from '../table-plan.js';
import type { TableVerifyReport } from '../types.js';
import type { Throttle } from '../throttle.js';
import type { VerifyTask } from './schedule.js';

/**
 * Ranges per slot the run aims at: enough that the last range to end is short beside the run (the slots then end
 * close together), few enough that each range's start (its plan, its first pages) stays small.
 */
const PARTS_PER_SLOT = 8;

/** A table verified in ranges: what its report is merged from. */
interface SplitTable {
  readonly plan: TablePlan;
  readonly parts: readonly TablePart[];
  readonly legacyCount: number;
  readonly nullKeyRows: number;
  readonly started: number;
}

export interface RunTasks {
  readonly tasks: readonly VerifyTask[];
  readonly split: ReadonlyMap<string, SplitTable>;
}

/**
 * The tasks of a threaded run: each table whole, or — when `split` and the table holds at least two ranges' rows
 * (`planParts`) — in key ranges of about `rows / (slots × 8)` legacy rows (at least `MIN_PART_ROWS`). A split table
 * is counted here with the verifier's own queries (COUNT(*), NULL keys) before its ranges start, and again once they
 * have all ended (`reportsOf`). A table that cannot be planned or split here is verified whole (its own run says why
 * when it fails).
 */
export async function runTasks(o: {
  readonly config: ResolvedConfig; readonly legacy: Database; readonly next: Database;
  readonly names: readonly string[]; readonly sizes: ReadonlyMap<string, number>; readonly slots: number; readonly split: boolean;
  /** Legacy rows per range instead of the computed figure. */
  readonly partRows?: number;
  /** The run's throttle: boundary reads wait as pages do (a pause, a slow legacy) without counting as rows. */
  readonly throttle: Throttle;
  readonly signal?: AbortSignal;
}): Promise<RunTasks> {
  const total = o.names.reduce((n, t) => n + (o.sizes.get(t) ?? 0), 0);
  const rowsPerPart = o.partRows ?? Math.max(MIN_PART_ROWS, Math.ceil(total / (o.slots * PARTS_PER_SLOT)));
  const tasks: VerifyTask[] = [];
  const split = new Map<string, SplitTable>();
  // the tables are planned side by side (each its own statements): the slots wait for this before they start
  const planned = await Promise.all(o.names.map(async (name) => {
    const size = o.sizes.get(name) ?? 0;
    if (!o.split || size < 2 * rowsPerPart) return null;
    try {
      const started = Date.now();
      const plan = await planTable(o.config, o.legacy, o.next, name);
      if (!plan.legacy.rangeable()) return null;
      const legacyCount = await plan.legacy.count();
      const nullKeyRows = await plan.legacy.countNullKeys();
      const parts = await planParts(plan, legacyCount - nullKeyRows, rowsPerPart, () => o.throttle.admit(0, o.signal));
      return parts ? { plan, parts, legacyCount, nullKeyRows, started } : null;
    } catch {
      return null; // verified whole: its own run says what fails
    }
  }));
  o.names.forEach((name, i) => {
    const s = planned[i];
    if (!s) { tasks.push({ id: name, table: name, size: o.sizes.get(name) ?? 0 }); return; }
    split.set(name, s);
    const rows = s.legacyCount - s.nullKeyRows;
    for (const p of s.parts) tasks.push({ id: `${name}#${p.index}`, table: name, part: p, size: Math.round(rows / s.parts.length) });
  });
  return { tasks, split };
}

/** The reports of the run's tables, in `names` order: a split table's merged from its ranges' and its own counts. */
export async function reportsOf(names: readonly string[], run: RunTasks, reports: ReadonlyMap<string, TableVerifyReport>, maxReported?: number): Promise<TableVerifyReport[]> {
  const out: TableVerifyReport[] = [];
  for (const name of names) {
    const s = run.split.get(name);
    if (!s) { out.push(reports.get(name)!); continue; }
    let countAfter: number | string;
    try { countAfter = await s.plan.legacy.count(); } catch (e) { countAfter = describeFailure(e); }
    const parts = s.parts.map((p) => reports.get(`${name}#${p.index}`)!);
    out.push(mergeParts(name, s.parts, parts, { key: s.plan.table.key, legacyCount: s.legacyCount, nullKeyRows: s.nullKeyRows, countAfter, ms: Date.now() - s.started }, maxReported));
  }
  return out;
}
