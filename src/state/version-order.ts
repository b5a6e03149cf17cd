/**
 * Ledger versions are source positions in a **sortable text form**: byte-wise order (UTF-8, SQLite BINARY, PostgreSQL
 * `COLLATE "C"`) is position order. We chose this over a comparator callback so both engines compare versions inside
 * one batched SQL upsert (`WHERE excluded.version > ledger.version`), which is what makes millions of entities cheap.
 * The helpers below turn each source's native position into that form; all produce fixed-width hex fields.
 */
import { StateInputError } from './errors.js';

/** A non-negative counter (trigger changelog id, sequence number) as 16 hex digits. */
export function sortableCounter(n: number | bigint): string {
  const b = typeof n === 'bigint' ? n : BigInt(n);
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new StateInputError('sortableCounter', 'a safe integer', n);
  if (b < 0n || b > 0xffffffffffffffffn) throw new StateInputError('sortableCounter', 'an integer in 0..2^64-1', String(n));
  return b.toString(16).padStart(16, '0');
}

/** A PostgreSQL LSN such as `0/16B3748` as 16 hex digits (high 8, low 8). */
export function sortableLsn(lsn: string): string {
  const m = /^([0-9a-f]{1,8})\/([0-9a-f]{1,8})$/i.exec(lsn);
  if (!m) throw new StateInputError('sortableLsn', 'a PostgreSQL LSN like 0/16B3748', lsn);
  return (m[1]!.padStart(8, '0') + m[2]!.padStart(8, '0')).toLowerCase();
}

/** A MariaDB/MySQL binlog position (`mysql-bin.000042`, offset) as `<file sequence 16 hex>:<offset 16 hex>`. */
export function sortableBinlog(file: string, offset: number | bigint): string {
  const m = /\.(\d+)$/.exec(file);
  if (!m) throw new StateInputError('sortableBinlog', 'a binlog file name ending in .NNNNNN', file);
  return `${sortableCounter(BigInt(m[1]!))}:${sortableCounter(offset)}`;
}

/**
 * Several sortable parts, most significant first (e.g. a transaction id then an event index), joined by a space: the
 * separator sorts below every allowed part character, so tuples order part by part even when parts differ in length.
 */
export function sortableTuple(...parts: readonly string[]): string {
  for (const [i, p] of parts.entries()) {
    if (!/^[\x21-\x7e]+$/.test(p)) throw new StateInputError(`sortableTuple part ${i}`, 'printable ASCII without spaces', p);
  }
  return parts.join(' ');
}

/** Byte-wise comparison of two versions, the same order the engines use. */
export function compareVersions(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
