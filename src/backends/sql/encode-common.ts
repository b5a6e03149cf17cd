import type { ColumnInfo } from '../types.js';
import type { Value } from '../../values/value.js';
import { WriteValueError } from '../errors.js';
import type { LogicalType } from '../../values/logical-type.js';

// Messages name the rule and the column, never the value: they are also the dry run's grouping reasons, and values
// may be personal data.

/**
 * Checks shared by every encoder before a canonical value is written to a column: `invalid` values are never
 * written, and instants and local date-times are never mixed silently (that needs an explicit zone).
 */
export function checkWritable(value: Value, column: ColumnInfo, table: string): void {
  if (value === null || typeof value !== 'object') return;
  if (value.t === 'invalid') {
    throw new WriteValueError(table, column.name, `cannot write an invalid value (${value.reason}); clean it first`);
  }
  if (value.t === 'ts' && column.type === 'lts') {
    throw new WriteValueError(table, column.name, 'an instant cannot go into a local date-time column without a zone; convert it explicitly');
  }
  if (value.t === 'lts' && column.type === 'ts') {
    throw new WriteValueError(table, column.name, 'a local date-time cannot go into an instant column without a zone; use localToInstant');
  }
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff` → `YYYY-MM-DD HH:MM:SS[.ffffff]` (fraction dropped when zero), the SQL literal form. */
export function sqlDateTime(v: string): string {
  const [d, t = ''] = v.split('T');
  const [hms = '', frac = ''] = t.replace(/Z$/, '').split('.');
  return /^0*$/.test(frac) ? `${d} ${hms}` : `${d} ${hms}.${frac}`;
}

/** True when a logical type holds text on the engine (used by key collation choices). */
export function isTextual(type: LogicalType): boolean {
  return type === 'text' || type === 'unknown' || type === 'json';
}

/** Hex of bytes, for the `raw` of invalid-encoding values. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8: undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(b: Uint8Array): string | undefined {
  try { return utf8.decode(b); } catch { return undefined; }
}

/**
 * Engines round or truncate what does not fit a column's declared precision, silently: a DECIMAL(12,2) takes 1.005
 * as 1.01, a DATETIME (no fraction) takes 08:00:00.5 as 08:00:00 or 08:00:01. Refuse instead of losing digits.
 * `defaultFsp`: fractional-second digits when the type text gives none (MariaDB 0, PostgreSQL 6).
 */
export function checkPrecision(value: Value, column: ColumnInfo, table: string, defaultFsp: number): void {
  if (value === null || typeof value !== 'object') return;
  if (value.t === 'dec' && column.type === 'dec' && column.scale !== undefined) {
    const frac = value.v.split('.')[1] ?? '';
    if (frac.length > column.scale) {
      throw new WriteValueError(table, column.name, `a decimal with more than ${column.scale} fractional digits: column ${column.nativeType} keeps ${column.scale} and would round it; round it explicitly first`);
    }
  }
  if ((value.t === 'lts' || value.t === 'ts' || value.t === 'time') && (column.type === 'lts' || column.type === 'ts' || column.type === 'time')) {
    const m = /\((\d)\)/.exec(column.nativeType);
    const fsp = m ? Number(m[1]) : defaultFsp;
    const frac = (/\.(\d+)/.exec(value.v)?.[1] ?? '').replace(/0+$/, '');
    if (frac.length > fsp) {
      throw new WriteValueError(table, column.name, `more than ${fsp} fractional-second digits: column ${column.nativeType} keeps ${fsp}`);
    }
  }
}
