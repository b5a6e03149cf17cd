import type { ColumnInfo, SqlParam } from '../types.js';
import type { Value } from '../../values/value.js';
import { bytes, date, dec, float, instant, int, invalid, localTimestamp, time } from '../../values/construct.js';
import { jsonFromText } from '../sql/json-text.js';
import { checkFits } from '../sql/fit.js';
import { assertNever } from '../../errors.js';
import { WriteValueError } from '../errors.js';
import { checkWritable, decodeUtf8, hex, sqlDateTime } from '../sql/encode-common.js';
import { affinityOf } from './types.js';
import { isZeroDate } from '../mysql/values.js';

/** What better-sqlite3 hands back (with safeIntegers on): one value per storage class. */
export type SqliteRaw = null | bigint | number | string | Uint8Array;

const ZONE_RE = /(Z|[+-]\d{2}(:?\d{2})?)$/;
const INT_TEXT = /^[+-]?\d+$/;

/**
 * Decode one stored SQLite value for a column. Text, JSON and blob columns are read as `CAST(col AS BLOB)` by the
 * adapter so that invalid UTF-8 can be detected here (better-sqlite3 would replace it with U+FFFD); decimal columns
 * as `CAST(col AS TEXT)`. Values from elsewhere (triggers, change tables) may arrive as plain strings: both work.
 * Anything that does not fit the column's logical type becomes an `invalid` value, never a guess.
 */
export function fromSqlite(raw: SqliteRaw, column: Pick<ColumnInfo, 'type'>): Value {
  if (raw === null || raw === undefined) return null;
  const type = column.type;
  switch (type) {
    case 'bool':
      if (raw === 0n || raw === 0 || raw === '0' || raw === 'false') return false;
      if (raw === 1n || raw === 1 || raw === '1' || raw === 'true') return true;
      return invalid('invalid-number', rawText(raw));
    case 'int':
      if (typeof raw === 'bigint') return int(raw);
      if (typeof raw === 'number') return Number.isSafeInteger(raw) ? int(raw) : invalid('invalid-number', String(raw));
      { const s = text(raw); return typeof s === 'string' && INT_TEXT.test(s.trim()) ? int(s) : invalid('invalid-number', rawText(raw)); }
    case 'dec': {
      const s = typeof raw === 'bigint' || typeof raw === 'number' ? String(raw) : text(raw);
      if (typeof s !== 'string') return s;
      try { return dec(s); } catch { return invalid('invalid-number', s); }
    }
    case 'float':
      if (typeof raw === 'number') return float(raw);
      if (typeof raw === 'bigint') return float(Number(raw));
      { const s = text(raw); return typeof s === 'string' && s.trim() !== '' && !Number.isNaN(Number(s)) ? float(Number(s)) : invalid('invalid-number', rawText(raw)); }
    case 'text':
    case 'unknown':
      if (type === 'unknown' && typeof raw !== 'string') return byStorageClass(raw);
      return typeof raw === 'bigint' || typeof raw === 'number' ? String(raw) : text(raw);
    case 'date': return temporal(raw, (s) => date(s));
    case 'time': return temporal(raw, (s) => time(s));
    case 'lts':
    case 'ts':
      // one rule for both declared kinds: text with a zone is an instant, text without one a local date-time
      return temporal(raw, (s) => (ZONE_RE.test(s.trim().slice(11)) ? instant(s) : localTimestamp(s)));
    case 'bytes':
      if (raw instanceof Uint8Array) return bytes(raw);
      return bytes(Buffer.from(String(raw), 'utf8'));
    case 'json': {
      const s = typeof raw === 'bigint' || typeof raw === 'number' ? String(raw) : text(raw);
      if (typeof s !== 'string') return s;
      try { return jsonFromText(s); } catch { return invalid('invalid-json', s); }
    }
    default: return assertNever(type, 'logical type');
  }
}

/** Decode a value of a result column with no declared type (expressions): by its storage class. */
export function byStorageClass(raw: SqliteRaw): Value {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'bigint') return int(raw);
  if (typeof raw === 'number') return float(raw);
  if (typeof raw === 'string') return raw;
  return bytes(raw);
}

/** Blob → strict UTF-8 text, or an invalid-encoding value carrying the bytes in hex. */
function text(raw: string | Uint8Array): string | Value {
  if (typeof raw === 'string') return raw;
  const s = decodeUtf8(raw);
  return s === undefined ? invalid('invalid-encoding', hex(raw)) : s;
}

function rawText(raw: SqliteRaw): string {
  if (raw instanceof Uint8Array) return decodeUtf8(raw) ?? hex(raw);
  return String(raw);
}

function temporal(raw: SqliteRaw, make: (s: string) => Value): Value {
  if (raw === null) return null;
  const s = typeof raw === 'bigint' || typeof raw === 'number' ? String(raw) : text(raw);
  if (typeof s !== 'string') return s;
  // a legacy copy of a MariaDB database keeps its zero dates as text: read them as MariaDB's adapter does
  if (isZeroDate(s.trim())) return invalid('zero-date', s);
  try { return make(s.trim()); } catch { return invalid('invalid-date', s); }
}

/** The value better-sqlite3 binds. */
export type SqliteParam = null | bigint | number | string | Buffer;

/**
 * Encode a canonical value for a column. Decimals are bound as exact text; in a column with TEXT affinity they stay
 * exact, in a NUMERIC/INTEGER/REAL-affinity column SQLite converts them to a number, which is exact only up to 15
 * significant digits, so a longer fractional decimal is refused rather than rounded.
 */
export function toSqlite(value: Value, column: ColumnInfo, table: string, purpose: 'write' | 'match' = 'write'): SqliteParam {
  if (purpose === 'match' && value !== null && typeof value === 'object' && value.t === 'invalid') {
    return value.reason === 'invalid-encoding' ? Buffer.from(value.raw, 'hex') : value.raw;
  }
  checkWritable(value, column, table);
  if (purpose === 'write') checkFits(value, column, table, 'sqlite');
  if (value !== null && typeof value === 'object' && value.t === 'dec' && purpose === 'write') {
    const aff = affinityOf(column.nativeType);
    if (aff !== 'TEXT' && aff !== 'BLOB' && significantDigits(value.v) > 15 && !fitsInt64(value.v)) {
      throw new WriteValueError(table, column.name, `a decimal with more than 15 significant digits in column type "${column.nativeType}" has NUMERIC affinity in SQLite, which would round it; declare the column with TEXT affinity (e.g. "TEXT DECIMAL(18,4)")`);
    }
  }
  if (value !== null && typeof value === 'object' && value.t === 'float' && Number.isNaN(value.v)) {
    throw new WriteValueError(table, column.name, 'NaN cannot be stored in SQLite (it becomes NULL)');
  }
  if (column.type === 'json' && typeof value === 'string') return value;
  return encodeValue(value);
}

/** Encode a canonical value by its own kind (raw query parameters). */
export function encodeValue(value: Value): SqliteParam {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return value;
  switch (value.t) {
    case 'int': return BigInt(value.v);
    case 'dec': return value.v;
    case 'float': return value.v;
    case 'date': case 'time': return value.v;
    case 'lts': return sqlDateTime(value.v);
    case 'ts': return value.v;
    case 'bytes': return Buffer.from(value.v, 'base64');
    case 'json': return value.v;
    case 'invalid': return value.raw;
    default: return assertNever(value, 'value');
  }
}

export function sqliteParam(p: SqlParam): SqliteParam {
  if (typeof p === 'number' || typeof p === 'bigint') return p;
  if (p instanceof Date) return p.toISOString();
  if (p instanceof Uint8Array) return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  return encodeValue(p);
}

/** Significant digits of a normalised decimal (leading and trailing zeros are not), and beyond a double's range: Infinity. */
function significantDigits(v: string): number {
  const [ip = ''] = v.replace(/^-/, '').split('.');
  if (ip.replace(/^0+/, '').length > 308) return Infinity;
  return v.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
}

function fitsInt64(v: string): boolean {
  if (!INT_TEXT.test(v)) return false;
  const b = BigInt(v);
  return b >= -(2n ** 63n) && b < 2n ** 63n;
}
