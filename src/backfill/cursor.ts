import { validateRecord } from '../log/codec.js';
import type { Row, Value } from '../values/index.js';
import { BackfillCursorError } from './errors.js';

/**
 * A table's chunk cursor, stored as apply's checkpoint `backfill:<table>` in the next database, moved in the same
 * transaction as the chunk's rows: a restart reads it and goes on with the chunk after the last one applied.
 * `after` is the last key read (exclusive lower bound of the next chunk) in key-column order; `rows` counts chunk rows
 * read so far (progress across restarts); `done` once a chunk came back short.
 */
export interface ChunkCursor {
  readonly after: readonly Value[] | null;
  readonly rows: number;
  readonly done: boolean;
}

export const START: ChunkCursor = { after: null, rows: 0, done: false };

export function cursorConsumer(table: string): string {
  return `backfill:${table}`;
}

export function encodeCursor(c: ChunkCursor): string {
  for (const v of c.after ?? []) {
    if (v !== null && typeof v === 'object' && v.t === 'float' && !Number.isFinite(v.v)) {
      throw new BackfillCursorError('(encode)', String(v.v), 'a non-finite float key cannot be stored as a cursor');
    }
  }
  return JSON.stringify({ v: 1, after: c.after, rows: c.rows, done: c.done });
}

export function decodeCursor(consumer: string, text: string | null): ChunkCursor {
  if (text === null) return START;
  let x: unknown;
  try { x = JSON.parse(text); } catch (e) { throw new BackfillCursorError(consumer, text, `not JSON: ${(e as Error).message}`); }
  const o = x as { v?: unknown; after?: unknown; rows?: unknown; done?: unknown };
  if (typeof o !== 'object' || o === null || o.v !== 1) throw new BackfillCursorError(consumer, text, 'not a version 1 cursor');
  if (typeof o.rows !== 'number' || !Number.isSafeInteger(o.rows) || o.rows < 0) throw new BackfillCursorError(consumer, text, '`rows` is not a count');
  if (typeof o.done !== 'boolean') throw new BackfillCursorError(consumer, text, '`done` is not a boolean');
  if (o.after === null) return { after: null, rows: o.rows, done: o.done };
  if (!Array.isArray(o.after) || o.after.length === 0) throw new BackfillCursorError(consumer, text, '`after` is not a key');
  // the key values are validated by the log's own value schema (a row image of positional columns)
  const row: Row = Object.fromEntries(o.after.map((v, i) => [`k${i}`, v as Value]));
  try {
    validateRecord({ kind: 'change', source: 'cursor', table: consumer, key: row, op: 'read', before: null, after: row, position: '0', txid: null, at: new Date(0).toISOString() }, consumer);
  } catch (e) {
    throw new BackfillCursorError(consumer, text, (e as Error).message);
  }
  return { after: o.after as Value[], rows: o.rows, done: o.done };
}
