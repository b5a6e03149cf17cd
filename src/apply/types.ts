/**
 * The contract of the one apply path (DESIGN.md "One apply path"). Capture (through the log), backfill chunks,
 * aspire and quarantine retries all end here: an `Applier` turns legacy row changes into next rows.
 *
 * This file is the seam between apply (src/apply) and its callers (src/backfill, src/cli/commands/migrate.ts,
 * verify, aspire): change it only together with them.
 */
import type { RowChange } from '../log/change.js';
import type { Row } from '../values/index.js';

/** Where a change came from (ledger origin, metrics, quarantine). */
export type ApplyOrigin = 'capture' | 'backfill' | 'aspire' | 'retry' | 'reapply';

/**
 * One change to apply. Backfill and aspire give `op: 'read'` changes whose `position` is the chunk's high-watermark
 * position (DBLog): compare-and-set then makes a chunk row lose against any newer captured change.
 */
export interface ApplyItem {
  readonly change: RowChange;
  readonly origin: ApplyOrigin;
}

export interface ApplyBatchOptions {
  /**
   * A log consumer's checkpoint, moved from `expected` to `next` in the same next-database transaction as the rows
   * (exactly-once effect after a crash). A mismatch with the stored value fails the batch (another applier runs).
   */
  readonly checkpoint?: { readonly consumer: string; readonly expected: string | null; readonly next: string | null };
}

export interface ApplyTableCounts {
  /** Next rows inserted or updated. */
  written: number;
  /** Next rows deleted (legacy delete, a row an image no longer produces, a key change). */
  deleted: number;
  /** Changes skipped because next already holds this legacy row at an equal or newer version. */
  stale: number;
  /** Changes put into quarantine (whole, with the reason). */
  quarantined: number;
  /** Changes parked with reason `missing-parent`, re-driven by apply itself when the parent arrives. */
  waiting: number;
}

export interface ApplyBatchResult extends ApplyTableCounts {
  /** Counts per legacy table. */
  readonly byTable: Readonly<Record<string, ApplyTableCounts>>;
}

export interface Applier {
  /**
   * Apply a batch: per change, map (clean → row schema → to() → next schemas → canonical next values, strict), then
   * write in one next transaction, each legacy row only where the change's version is newer than the stored one.
   * Order per legacy key is kept (items are applied in the order given). Data problems never throw: they quarantine.
   * Throws only for what a retry may cure (connection lost, serialization failure) or a checkpoint conflict.
   */
  apply(items: readonly ApplyItem[], options?: ApplyBatchOptions): Promise<ApplyBatchResult>;
  /** The log offset stored for this consumer by the last committed batch (read from next), null when none. */
  checkpoint(consumer: string): Promise<string | null>;
  /** The version (source position) next holds for this legacy row, tombstones included; null when never applied. */
  appliedVersion(table: string, key: Row): Promise<string | null>;
  close(): Promise<void>;
}
