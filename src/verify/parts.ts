import type { Value } from '../values/index.js';
import { compareKeys } from '../values/index.js';
import { displayKey } from './compare.js';
import type { TablePlan } from './table-plan.js';
import type { TableVerifyCounts, TableVerifyReport } from './types.js';
import { compatibilityOf, countNotes, invariantOf, verdictOf } from './verdict.js';

/** Keys above `after` and up to `upTo` (null: unbounded on that side). */
export interface KeyRange {
  readonly after: readonly Value[] | null;
  readonly upTo: readonly Value[] | null;
}

/**
 * One range of a legacy table's keys, verified as a merge join of its own (possibly in another verify thread), with
 * the range of each next table's keys its rows map to. The ranges of a table cover every key once: the first has no
 * lower bound, the last no upper one, and each starts where the one before ends, on both sides.
 */
export interface TablePart extends KeyRange {
  readonly table: string;
  readonly index: number;
  readonly of: number;
  /** Per next table: the keys the range's legacy rows map to, bounded by the mapped boundary rows. */
  readonly next: Readonly<Record<string, KeyRange>>;
}

/** Legacy rows per range at least: a range's start (its plan, its first pages) must stay small beside its work. */
export const MIN_PART_ROWS = 25_000;
/** Boundary candidates tried after one whose row does not map to one row per next table. */
const BOUNDARY_TRIES = 8;

/**
 * Splits a table into ranges of about `rowsPerPart` legacy keys, so that verify threads share a large table instead
 * of one thread verifying it alone while the others wait. Null when it is not split: fewer than two ranges' rows, a
 * key on either side whose pages cannot start mid-table at index speed (`OwnKeyset.rangeable`), or no boundary row
 * that maps to exactly one row of each next table in increasing next keys. A boundary is a legacy key found by
 * skipping `rowsPerPart` keys in the key's index (one statement that reads keys only); its next bounds are the keys
 * its own row maps to — the mapping must keep legacy's key order anyway for the merge join, and each range checks
 * that every next key it expects falls inside its next bounds (otherwise it is inconclusive, never wrong). `admit`
 * is asked before each boundary read: the run's throttle holds it back while legacy is paused or slow, like a page.
 */
export async function planParts(plan: TablePlan, rows: number, rowsPerPart: number, admit: () => Promise<void> = async () => undefined): Promise<TablePart[] | null> {
  const per = Math.max(1, Math.floor(rowsPerPart));
  if (rows < 2 * per) return null;
  if (!plan.legacy.rangeable() || [...plan.targets.values()].some((t) => !t.keyset.rangeable())) return null;
  const bounds: { legacy: Value[]; next: Record<string, Value[]> }[] = [];
  const wanted = Math.ceil(rows / per);
  let after: Value[] | null = null;
  while (bounds.length < wanted - 1) {
    await admit();
    let b = await plan.legacy.keyAfter(after, per);
    let next = b && await mappedBound(plan, b);
    for (let tries = 0; b && !next && tries < BOUNDARY_TRIES; tries++) {
      await admit();
      b = await plan.legacy.keyAfter(b, 1);
      next = b && await mappedBound(plan, b);
    }
    if (!b || !next) break;
    const prev = bounds[bounds.length - 1];
    if (prev && Object.keys(next).some((t) => compareKeys(next![t]!, prev.next[t]!) <= 0)) return null; // a mapping out of key order
    bounds.push({ legacy: b, next });
    after = b;
  }
  if (bounds.length === 0) return null;
  const targets = [...plan.targets.keys()];
  return Array.from({ length: bounds.length + 1 }, (_, i) => ({
    table: plan.table.name, index: i, of: bounds.length + 1,
    after: i === 0 ? null : bounds[i - 1]!.legacy,
    upTo: i === bounds.length ? null : bounds[i]!.legacy,
    next: Object.fromEntries(targets.map((t) => [t, {
      after: i === 0 ? null : bounds[i - 1]!.next[t]!,
      upTo: i === bounds.length ? null : bounds[i]!.next[t]!,
    }])),
  }));
}

/** The next key of each next table that the legacy row with key `key` maps to, when it maps to one row of each. */
async function mappedBound(plan: TablePlan, key: readonly Value[]): Promise<Record<string, Value[]> | null> {
  const rows = await plan.legacy.byKeys([key]);
  if (rows.length !== 1) return null;
  const e = plan.expecter.expect(rows[0]!);
  if (!e.ok) return null;
  const out: Record<string, Value[]> = {};
  for (const r of e.rows) {
    if (out[r.nextTable] || r.key.some((v) => v === null)) return null;
    out[r.nextTable] = [...r.key];
  }
  return [...plan.targets.keys()].every((t) => out[t]) ? out : null;
}

/** What a split table's caller counts itself, around all of its ranges (the verifier's own queries). */
export interface TableLevelCounts {
  /** The legacy key's columns (for the notes). */
  readonly key: readonly string[];
  readonly legacyCount: number;
  readonly nullKeyRows: number;
  /** COUNT(*) once every range has ended; a string: why it could not be read. */
  readonly countAfter: number | string;
  readonly ms: number;
}

/**
 * One table's report from the reports of its ranges (in key order) and its own counts: the same figures, notes and
 * verdict as one merge join over the whole table gives — inconclusive when any range is, or when the ranges
 * enumerated another number of rows than an unchanged COUNT(*).
 */
export function mergeParts(table: string, parts: readonly TablePart[], reports: readonly TableVerifyReport[], level: TableLevelCounts, maxReported = 1000): TableVerifyReport {
  const counts: TableVerifyCounts = { legacyRows: 0, legacyCount: level.legacyCount, expectedNextRows: 0, nextRows: 0, matched: 0, missing: 0, extra: 0, mismatched: 0, quarantined: 0, unmapped: 0, nullKeyRows: level.nullKeyRows, rechecked: 0, settledByRecheck: 0 };
  const summed = ['legacyRows', 'expectedNextRows', 'nextRows', 'matched', 'missing', 'extra', 'mismatched', 'quarantined', 'unmapped', 'rechecked', 'settledByRecheck'] as const;
  for (const r of reports) for (const k of summed) counts[k] += r.counts[k];
  counts.legacyRows += level.nullKeyRows;
  const notes = countNotes(counts, level.key);
  let inconclusive = false;
  reports.forEach((r, i) => {
    if (r.verdict !== 'inconclusive') return;
    inconclusive = true;
    const p = parts[i]!;
    const key = (k: readonly Value[]) => JSON.stringify(displayKey(level.key, k));
    const range = `${p.after ? `after ${key(p.after)}` : 'from the first'} ${p.upTo ? `up to ${key(p.upTo)}` : 'to the last'}`;
    for (const n of r.notes) notes.push(`keys ${range}: ${n}`);
  });
  if (typeof level.countAfter === 'string') { inconclusive = true; notes.push(`read failed: ${level.countAfter}`); }
  else if (!inconclusive && level.countAfter === level.legacyCount && counts.legacyRows !== level.countAfter) {
    inconclusive = true;
    notes.push(`the verifier enumerated ${counts.legacyRows} rows but COUNT(*) gives ${level.countAfter} (unchanged during the pass): the enumeration ended early`);
  }
  return {
    table, nextTables: reports[0]?.nextTables ?? [], counts, invariantHolds: inconclusive ? null : invariantOf(counts),
    verdict: inconclusive ? 'inconclusive' : verdictOf(counts), notes,
    differences: reports.flatMap((r) => r.differences).slice(0, maxReported),
    compatibility: compatibilityOf(counts), ms: level.ms, ranges: parts.length,
  };
}
