import type { TableVerifyCounts, TableVerifyReport } from './types.js';

/**
 * The rules that turn a table's counts into its verdict, shared by one merge join over the table (`verifyTable`) and
 * the merge of its key ranges (`mergeParts`): one definition, so that a split table is judged as a whole one is.
 */

/** `legacy = matched + quarantined`, checked when nothing is missing; null when not checked. */
export function invariantOf(counts: TableVerifyCounts): boolean | null {
  return counts.missing === 0 ? counts.legacyRows === counts.matched + counts.quarantined : null;
}

/** Share of legacy rows matched or quarantined, 0..1 (1 when the table is empty). */
export function compatibilityOf(counts: TableVerifyCounts): number {
  return counts.legacyRows === 0 ? 1 : (counts.matched + counts.quarantined) / counts.legacyRows;
}

/** `differences` when a row is missing, extra, mismatched, dropped or keyless, or the invariant fails; else `match`. */
export function verdictOf(counts: TableVerifyCounts): Exclude<TableVerifyReport['verdict'], 'inconclusive'> {
  const problems = counts.missing + counts.extra + counts.mismatched + counts.unmapped + counts.nullKeyRows;
  return problems > 0 || invariantOf(counts) === false ? 'differences' : 'match';
}

/** What the counts say that the columns do not: rows without a key, rows dropped without a quarantine item. */
export function countNotes(counts: TableVerifyCounts, key: readonly string[]): string[] {
  const notes: string[] = [];
  if (counts.nullKeyRows > 0) notes.push(`${counts.nullKeyRows} legacy row(s) have a NULL in key (${key.join(', ')}): they cannot be matched by key`);
  if (counts.unmapped > 0) notes.push(`${counts.unmapped} legacy row(s) do not map and have no open quarantine item: dropped silently`);
  return notes;
}
