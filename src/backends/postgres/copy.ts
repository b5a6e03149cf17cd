/**
 * `COPY … FROM STDIN` in text format for the PostgreSQL adapter's `copyIn`: each canonical value goes through the same
 * strict encoder as every write (`toPostgres`: writable, fits, precision), then is escaped for COPY's text format.
 * A row whose value cannot be written is not sent: it is reported by index, so the caller can take it another way.
 */
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { ColumnInfo, CopyInResult } from '../types.js';
import type { Row } from '../../values/value.js';
import { toPostgres, type PostgresParam } from './values.js';

/** Text sent per write to the COPY stream (the stream's backpressure is honoured between writes). */
const FLUSH_CHARS = 256 * 1024;

// COPY text format: backslash escapes for the delimiter (tab), line ends and the backslash itself; \N is NULL
const SPECIAL = /[\\\t\n\r]/;
function escapeText(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function copyField(v: PostgresParam): string {
  if (v === null) return '\\N';
  if (typeof v === 'string') return escapeText(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  // bytea hex input (\x…), its backslash escaped for the text format
  return `\\\\x${v.toString('hex')}`;
}

/** One row as a COPY text line; throws what `toPostgres` throws (a value that cannot be written). */
export function copyLine(row: Row, columns: readonly ColumnInfo[], table: string): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    if (i > 0) line += '\t';
    line += copyField(toPostgres(row[c.name] ?? null, c, table, 'write'));
  }
  return `${line}\n`;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** COPY `rows` into `table` (of `schema`, else the search path's) on `client` (inside the caller's transaction when it has one). */
export async function copyRowsIn(client: pg.PoolClient, table: string, columns: readonly ColumnInfo[], rows: readonly Row[], schema?: string): Promise<CopyInResult> {
  const refused: { index: number; error: Error }[] = [];
  const stream = client.query(copyStreams.from(`COPY ${schema === undefined ? '' : `${quote(schema)}.`}${quote(table)} (${columns.map((c) => quote(c.name)).join(', ')}) FROM STDIN`));
  const failed = new Promise<never>((_, reject) => stream.on('error', reject));
  failed.catch(() => undefined);
  const finished = new Promise<void>((resolve) => stream.on('finish', () => resolve()));
  try {
    let buf = '';
    for (let i = 0; i < rows.length; i++) {
      try { buf += copyLine(rows[i]!, columns, table); } catch (e) { refused.push({ index: i, error: e instanceof Error ? e : new Error(String(e)) }); }
      if (buf.length >= FLUSH_CHARS) {
        const ok = stream.write(buf);
        buf = '';
        if (!ok) await Promise.race([new Promise((r) => stream.once('drain', r)), failed]);
      }
    }
    if (buf.length > 0) stream.write(buf);
  } catch (e) {
    stream.destroy(e as Error);
    await Promise.race([finished, failed]).catch(() => undefined);
    throw e;
  }
  stream.end();
  await Promise.race([finished, failed]);
  return { copied: stream.rowCount, refused };
}
