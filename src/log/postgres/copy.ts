import type pg from 'pg';
import copyStreams from 'pg-copy-streams';

/**
 * Bulk insert with COPY FROM STDIN (text format): several times faster than a multi-row INSERT for thousands of
 * rows, because PostgreSQL parses no SQL and no array literal per value. The batch goes as one buffer.
 */
export function copyText(v: string | null): string {
  if (v === null) return '\\N';
  // Text format escapes: backslash first, then the characters that delimit fields and rows.
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
}

/** A JSON text as a COPY text field: JSON.stringify never leaves a raw tab, newline or CR, so only backslashes double. */
export function copyJson(text: string): string {
  return text.includes('\\') ? text.replaceAll('\\', '\\\\') : text;
}

/**
 * COPY the data produced by `chunks` (each chunk: whole lines of COPY text, every line ending in a newline). Chunks
 * are produced while the server parses the previous ones, so client-side encoding and server-side insertion overlap;
 * the stream's backpressure bounds memory. An exception from `chunks` aborts the COPY (the caller rolls the
 * transaction back).
 */
/** Returns the number of rows the server reports copied. */
export async function copyRows(client: pg.PoolClient | pg.Client, sql: string, chunks: Iterable<string>): Promise<number> {
  const stream = client.query(copyStreams.from(sql));
  const failed = new Promise<never>((_, reject) => stream.on('error', reject));
  failed.catch(() => undefined);
  const finished = new Promise<void>((resolve) => stream.on('finish', () => resolve()));
  try {
    for (const text of chunks) {
      if (!stream.write(Buffer.from(text, 'utf8'))) {
        await Promise.race([new Promise((r) => stream.once('drain', r)), failed]);
      }
      // let the socket flush this chunk before encoding the next one
      await new Promise((r) => setImmediate(r));
    }
  } catch (e) {
    stream.destroy(e as Error);
    await Promise.race([finished, failed]).catch(() => undefined);
    throw e;
  }
  stream.end();
  await Promise.race([finished, failed]);
  return stream.rowCount;
}
