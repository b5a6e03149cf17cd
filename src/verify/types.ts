/**
 * What `siphon verify` reports. Counts are per legacy table; differences name the next table, the key, the columns
 * and both values (as shown by `displayValue`), so a report can be checked by hand against both databases.
 */

/** A canonical value as shown in a report: text, number-as-text, boolean, null, or `invalid:reason:raw`. */
export type DisplayValue = string | boolean | null;

export type DifferenceKind = 'missing' | 'extra' | 'mismatched';

export interface ColumnDifference {
  readonly column: string;
  /** What the mapping of the legacy row gives (absent for an extra row). */
  readonly expected: DisplayValue;
  /** What next holds (absent for a missing row). */
  readonly actual: DisplayValue;
}

export interface Difference {
  readonly kind: DifferenceKind;
  readonly sourceTable: string;
  readonly nextTable: string;
  /** Next key, column → value. */
  readonly key: Readonly<Record<string, DisplayValue>>;
  /** Legacy key, column → value (null for an extra row no legacy row was found for). */
  readonly legacyKey: Readonly<Record<string, DisplayValue>> | null;
  /** The differing columns; for missing/extra rows every column of the row, with the other side null. */
  readonly columns: readonly ColumnDifference[];
}

export interface TableVerifyCounts {
  /** Legacy rows enumerated (the verifier's own keyset), rows with a NULL key included. */
  legacyRows: number;
  /** Legacy rows per the verifier's own COUNT(*) (taken before the pass). */
  legacyCount: number;
  /** Next rows the mapping of the legacy rows gives. */
  expectedNextRows: number;
  /** Next rows read. */
  nextRows: number;
  /** Legacy rows whose every next row is present and equal. */
  matched: number;
  /** Expected next rows absent from next. */
  missing: number;
  /** Next rows no legacy row gives. */
  extra: number;
  /** Next rows present with at least one differing column. */
  mismatched: number;
  /** Legacy rows that do not map or whose next rows are absent, with an open quarantine item (counted apart). */
  quarantined: number;
  /** Legacy rows the mapping refuses without any quarantine item: a silent drop. */
  unmapped: number;
  /** Legacy rows with a NULL in a key column: no key to match them by. */
  nullKeyRows: number;
  /** Differences seen once and compared again after apply passed them. */
  rechecked: number;
  /** Of those, how many matched on the re-check (in-flight changes, not reported). */
  settledByRecheck: number;
}

export type TableVerdict = 'match' | 'differences' | 'inconclusive';

export interface TableVerifyReport {
  readonly table: string;
  readonly nextTables: readonly string[];
  readonly counts: TableVerifyCounts;
  /** `legacy = matched + quarantined`, checked when nothing is missing; null when not checked. */
  readonly invariantHolds: boolean | null;
  readonly verdict: TableVerdict;
  /** Why the verdict is inconclusive, or notes (count drift, unmapped rows...). */
  readonly notes: readonly string[];
  readonly differences: readonly Difference[];
  /** Share of legacy rows matched or quarantined, 0..1 (1 when the table is empty). */
  readonly compatibility: number;
  readonly ms: number;
  /** Key ranges the table was verified in, side by side (verify threads, `parts.ts`); absent: in one. */
  readonly ranges?: number;
}

export type VerifyVerdict = 'match' | 'differences' | 'inconclusive';

export interface VerifyReport {
  readonly verdict: VerifyVerdict;
  /** 0 match, 1 differences, 3 inconclusive. */
  readonly exitCode: 0 | 1 | 3;
  readonly tables: readonly TableVerifyReport[];
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The run id in the state store, when results were stored. */
  readonly runId?: number;
  readonly repair?: RepairSummary;
}

export interface RepairSummary {
  /** Legacy keys re-queued, per legacy table. */
  readonly requeued: Readonly<Record<string, number>>;
}
