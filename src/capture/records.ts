import type { ChangeOp, LogRecord, RowChange } from '../log/change.js';
import { type Row, rowEquals, valueEquals } from '../values/index.js';
import type { CapturedTable } from './tables.js';
import { HEARTBEAT_PREFIX, WATERMARK_TABLE, watermarkOf } from './watermark.js';

export interface RawChange {
  readonly table: CapturedTable;
  readonly op: Exclude<ChangeOp, 'read'>;
  readonly before: Row | null;
  readonly after: Row | null;
  readonly position: string;
  readonly txid: string | null;
  /** Commit (or change) time at the source, ISO instant. */
  readonly at: string;
  /** The key columns when the source gives no full image (PostgreSQL delete without REPLICA IDENTITY FULL). */
  readonly keyImage?: Row | null;
  /** Columns of the table the image lacks (written before a schema change was seen, and no longer there to re-read). */
  readonly incomplete?: readonly string[];
}

/**
 * Turn a captured row change into the log record: a watermark record for writes to the watermark table (deletes
 * there are housekeeping and produce nothing), else a row change keyed by the table's capture key.
 */
export function toRecord(source: string, c: RawChange): LogRecord | null {
  if (c.table.name === WATERMARK_TABLE) {
    if (c.op === 'delete') return null;
    const w = watermarkOf(c.after);
    if (!w || w.id.startsWith(HEARTBEAT_PREFIX)) return null;
    return { kind: 'watermark', source, table: w.table, id: w.id, phase: w.phase, position: c.position, at: c.at };
  }
  // a no-op update (no column changed) is not logged: the binary log never has one (MariaDB writes no row event),
  // triggers and pgoutput do; every method skips it so they give the same log. Without a before image (pgoutput,
  // REPLICA IDENTITY not FULL) it cannot be told apart and is logged.
  if (c.op === 'update' && c.before !== null && c.after !== null && !c.incomplete && rowEquals(c.before, c.after)) return null;
  const image = c.after ?? c.before ?? c.keyImage ?? {};
  const key: Row = {};
  for (const k of c.table.key) key[k] = image[k] ?? null;
  const record: { -readonly [K in keyof RowChange]: RowChange[K] } = {
    kind: 'change', source, table: c.table.name, key, op: c.op, before: c.before, after: c.after,
    position: c.position, txid: c.txid, at: c.at,
  };
  if (c.incomplete && c.incomplete.length > 0) record.incomplete = c.incomplete;
  if (c.op === 'update') {
    // the key before the change: from the before image, or the old-key tuple pgoutput sends when the key changed
    const old = c.before ?? c.keyImage ?? null;
    if (old !== null) {
      const oldKey: Row = {};
      let changed = false;
      for (const k of c.table.key) { oldKey[k] = old[k] ?? null; if (!valueEquals(oldKey[k]!, key[k]!)) changed = true; }
      if (changed) record.oldKey = oldKey;
    }
  }
  return record;
}

/** Fixed-width decimal text of a non-negative integer, so positions of one source sort as text too. */
export function pad(n: number | bigint | string, width: number): string {
  return String(n).padStart(width, '0');
}
