import type { Row, Value } from '../values/index.js';
import { keyToText, valueEquals } from '../values/index.js';

/**
 * The change envelope: what capture writes into the log and what apply, projections and replay read back.
 *
 * Choices (why):
 * - `key` is a Row of the key columns (name → canonical value), in key-column order. Named keys are self-describing
 *   (a consumer does not need the table's schema to know which value is which column) and survive a reordering of
 *   columns; `changeKeyValues`/`changeKeyText` give the positional form for sorting and map keys.
 * - `position` is the SOURCE's own ordering (binlog file:offset or GTID, PostgreSQL LSN, trigger changelog id): the
 *   row's version. It is distinct from the log offset (the log's own order), and both are kept: the offset orders
 *   delivery, the position decides "newer than" in apply.
 * - Non-row records share the log so that their order relative to row changes is preserved: DDL events (a captured
 *   table changed shape) and DBLog watermarks (backfill chunk boundaries). `kind` discriminates.
 */
export type ChangeOp = 'insert' | 'update' | 'delete' | 'read';
export const CHANGE_OPS: readonly ChangeOp[] = ['insert', 'update', 'delete', 'read'];

export interface RowChange {
  readonly kind: 'change';
  /** The capture source's name (config), e.g. "legacy". */
  readonly source: string;
  /** The table, as captured (schema-qualified when the source has schemas, e.g. "public.orders"). */
  readonly table: string;
  /** Key columns → canonical values, in key-column order. */
  readonly key: Row;
  readonly op: ChangeOp;
  /** Row image before the change: null for insert and read (and for update/delete when the source has no image). */
  readonly before: Row | null;
  /** Row image after the change: null for delete. */
  readonly after: Row | null;
  /**
   * Only on an update that changed the row's key: the key before the change (`key` is the new one). A consumer
   * keyed by `key` must remove the row under `oldKey` first, or the old row stays behind. Kept as one update rather
   * than a delete plus an insert because a position is the version of one change: two records would need a position
   * the source never gave, and a consumer would see a moment with neither row.
   */
  readonly oldKey?: Row;
  /**
   * Columns of the table this change's image (after; before for a delete) lacks: the source wrote it before it saw
   * a schema change adding them, and the row was gone when capture went to re-read it. A consumer must not take
   * them as NULL. Absent when the image is whole (always, but for that window).
   */
  readonly incomplete?: readonly string[];
  /** Source position (the row's version), opaque text ordered by the source. */
  readonly position: string;
  /** Source transaction id when known (binlog XID/GTID, PostgreSQL xid), else null. */
  readonly txid: string | null;
  /** When the change happened at the source (commit time if known), ISO-8601 instant. */
  readonly at: string;
}

export interface DdlColumn {
  readonly name: string;
  /** The source's declared type text, e.g. "decimal(10,2)". */
  readonly type: string;
  readonly nullable: boolean;
}

/** A captured table changed shape. `statement` when the source gives it (binlog), `columns` as now seen. */
export interface DdlEvent {
  readonly kind: 'ddl';
  readonly source: string;
  readonly table: string;
  readonly statement: string | null;
  readonly columns: readonly DdlColumn[] | null;
  readonly position: string;
  readonly txid: string | null;
  readonly at: string;
}

export type WatermarkPhase = 'low' | 'high';

/** A DBLog watermark write recognised in the stream: the boundary of a backfill chunk. */
export interface WatermarkEvent {
  readonly kind: 'watermark';
  readonly source: string;
  /** The chunk's table, when the watermark belongs to one. */
  readonly table: string | null;
  readonly id: string;
  readonly phase: WatermarkPhase;
  readonly position: string;
  readonly at: string;
}

export type LogRecord = RowChange | DdlEvent | WatermarkEvent;
export type LogRecordKind = LogRecord['kind'];
export const LOG_RECORD_KINDS: readonly LogRecordKind[] = ['change', 'ddl', 'watermark'];

/** The key's values in key-column order, for compareKeys. */
export function changeKeyValues(c: RowChange): Value[] {
  return Object.values(c.key);
}

/** A stable text of the key (map keys, dedupe, logs). */
export function changeKeyText(c: RowChange): string {
  return keyToText(Object.values(c.key));
}

/** The key the row had before this change: `oldKey` when the key changed, else `key`. */
export function previousKey(c: RowChange): Row {
  return c.oldKey ?? c.key;
}

/** The table a record concerns ('' for a watermark not tied to a table). */
export function recordTable(r: LogRecord): string {
  return r.table ?? '';
}

/** The columns whose value differs between before and after (all of after's columns when there is no before). */
export function changedColumns(c: RowChange): string[] {
  if (c.before === null || c.after === null) return Object.keys(c.after ?? c.before ?? {});
  const out: string[] = [];
  const names = new Set([...Object.keys(c.before), ...Object.keys(c.after)]);
  for (const n of names) {
    if (!(n in c.before) || !(n in c.after) || !valueEquals(c.before[n] ?? null, c.after[n] ?? null)) out.push(n);
  }
  return out;
}
