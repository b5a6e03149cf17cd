import type { ChangeOp, LogRecord } from '../log/change.js';
import type { Row } from '../values/index.js';
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
  const image = c.after ?? c.before ?? c.keyImage ?? {};
  const key: Row = {};
  for (const k of c.table.key) key[k] = image[k] ?? null;
  return {
    kind: 'change', source, table: c.table.name, key, op: c.op, before: c.before, after: c.after,
    position: c.position, txid: c.txid, at: c.at,
  };
}

/** Fixed-width decimal text of a non-negative integer, so positions of one source sort as text too. */
export function pad(n: number | bigint | string, width: number): string {
  return String(n).padStart(width, '0');
}
