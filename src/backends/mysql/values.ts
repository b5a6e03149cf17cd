import type { ColumnInfo, SqlParam } from '../types.js';
import type { Value } from '../../values/value.js';
import { bytes, date, dec, float, instant, int, invalid, localTimestamp, time } from '../../values/construct.js';
import { jsonFromText } from '../sql/json-text.js';
import { checkFits } from '../sql/fit.js';
import { assertNever } from '../../errors.js';
import { WriteValueError } from '../errors.js';
import { checkPrecision, checkWritable, decodeUtf8, hex, sqlDateTime } from '../sql/encode-common.js';
import { decodeMysqlLatin1Bytes, decodeMysqlText, type DecodeTextOptions } from './charset.js';
import { plainDate, plainDateTime } from '../../values/fast-text.js';

export type MysqlColumn = Pick<ColumnInfo, 'type' | 'nativeType' | 'charset'>;
/** Raw value: the bytes the server sent (text protocol, character_set_results = NULL), or text from elsewhere. */
export type MysqlRaw = Buffer | Uint8Array | string | number | bigint | null;

const ZERO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** '0000-00-00', '2024-00-10', '2024-05-00' (and the same with a time): MariaDB's zero dates. */
export function isZeroDate(text: string): boolean {
  const m = ZERO_DATE.exec(text);
  return !!m && (m[2] === '00' || m[3] === '00');
}

/**
 * Decode one MariaDB/MySQL value for a column. Sessions of this adapter read with `character_set_results = NULL`
 * (the column's own bytes) and `time_zone = '+00:00'` (TIMESTAMP as UTC text), so:
 * - text is decoded by the column's character set (`decodeMysqlText`): bad bytes → invalid-encoding (hex);
 * - zero dates → invalid('zero-date', raw), impossible dates → invalid('invalid-date', raw);
 * - TIMESTAMP → instant (the text is UTC), DATETIME → local date-time, TINYINT(1) → boolean (0/1 only),
 *   BIT(n) → text of n binary digits, YEAR → int, DECIMAL → exact dec, JSON → canonical json.
 */
export function fromMysql(raw: MysqlRaw, column: MysqlColumn, options: DecodeTextOptions = {}): Value {
  if (raw === null || raw === undefined) return null;
  const type = column.type;
  if (/^bit\b/i.test(column.nativeType) && typeof raw !== 'string') return bits(raw, column.nativeType);
  const ascii = () => (typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : Buffer.from(raw).toString('latin1'));
  switch (type) {
    case 'bool': {
      const s = ascii();
      return s === '0' ? false : s === '1' ? true : invalid('invalid-number', s);
    }
    case 'int': { const s = ascii(); try { return int(s); } catch { return invalid('invalid-number', s); } }
    case 'dec': { const s = ascii(); try { return dec(s); } catch { return invalid('invalid-number', s); } }
    case 'float': { const s = ascii(); const n = Number(s); return s.trim() === '' || Number.isNaN(n) ? invalid('invalid-number', s) : float(n); }
    case 'text':
    case 'unknown':
      return typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : decodeMysqlText(raw, column.charset, options);
    case 'date': return temporal(ascii(), (s) => date(s));
    case 'time': return temporal(ascii(), (s) => time(s));
    case 'lts': return temporal(ascii(), (s) => localTimestamp(s));
    case 'ts': return temporal(ascii(), (s) => instant(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s.slice(11)) ? s : `${s}Z`));
    case 'bytes': return typeof raw === 'string' ? bytes(Buffer.from(raw, 'utf8')) : typeof raw === 'number' || typeof raw === 'bigint' ? bytes(Buffer.from(String(raw))) : bytes(raw);
    case 'json': {
      const s = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : decodeUtf8(raw);
      if (s === undefined) return invalid('invalid-encoding', hex(raw as Uint8Array));
      try { return jsonFromText(s); } catch { return invalid('invalid-json', s); }
    }
    default: return assertNever(type, 'logical type');
  }
}

/**
 * A decoder for one result column. It takes the value's bytes as a latin1 string (one char per byte, lossless: what
 * mysql2 gives for `field.string('latin1')`, far cheaper per value than a Buffer view) or null.
 */
export type MysqlDecoder = (bytes: string | null) => Value;

const BIT_TYPE = /^bit\b/i;

/** Chars all below 0x80: the same text in every ASCII-compatible character set. */
function asciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * `fromMysql` for one column, as a function built once per result column: the hot path of every SELECT (the
 * verifier's and the backfill's reads). The value arrives as its bytes in a latin1 string; values in the forms the
 * server prints (digits, ASCII text, valid dates, DATETIME without fraction) are built directly, everything else
 * goes through `fromMysql` with the bytes, so the result is always exactly `fromMysql(bytes, column)`
 * (property-tested).
 */
export function mysqlDecoder(column: MysqlColumn, options: DecodeTextOptions = {}): MysqlDecoder {
  const slow: MysqlDecoder = (b) => (b === null || b === undefined ? null : fromMysql(Buffer.from(b, 'latin1'), column, options));
  if (BIT_TYPE.test(column.nativeType)) return slow;
  switch (column.type) {
    // digits and temporal text: fromMysql reads the bytes as latin1 text itself, so the string is the same input
    case 'int': return (s) => {
      if (s === null || s === undefined) return null;
      try { return int(s); } catch { return invalid('invalid-number', s); }
    };
    case 'dec': return (s) => {
      if (s === null || s === undefined) return null;
      try { return dec(s); } catch { return invalid('invalid-number', s); }
    };
    case 'bool': case 'float': case 'time': return (s) => (s === null || s === undefined ? null : fromMysql(s, column, options));
    case 'text': case 'unknown': case 'json': {
      const cs = (column.charset ?? 'utf8mb4').toLowerCase();
      // ASCII bytes read the same in these character sets (UTF-16/32 and the multi-byte Asian sets excepted)
      const asciiSafe = cs === 'utf8mb4' || cs === 'utf8' || cs === 'utf8mb3' || cs === 'latin1' || cs === 'ascii' || cs === 'binary';
      if (!asciiSafe || column.type === 'json') return slow;
      return (s) => (s === null || s === undefined ? null : asciiText(s) ? s : decodeMysqlLatin1Bytes(s, column.charset, options));
    }
    case 'date': return (s) => {
      if (s === null || s === undefined) return null;
      return s.length === 10 && plainDate(s) ? { t: 'date', v: s } : fromMysql(s, column, options);
    };
    case 'lts': case 'ts': {
      const instant = column.type === 'ts';
      return (s) => {
        if (s === null || s === undefined) return null;
        // years before 1000 take the full decoder (it goes through Date.UTC, which reads years 0-99 as 19xx)
        const v = s.charCodeAt(0) === 48 ? null : plainDateTime(s);
        return v === null ? fromMysql(s, column, options) : instant ? { t: 'ts', v: `${v}Z` } : { t: 'lts', v };
      };
    }
    case 'bytes': return slow;
    default: return assertNever(column.type, 'logical type');
  }
}

function temporal(s: string, make: (s: string) => Value): Value {
  if (isZeroDate(s)) return invalid('zero-date', s);
  try { return make(s); } catch { return invalid('invalid-date', s); }
}

function bits(raw: Exclude<MysqlRaw, string | null>, nativeType: string): string {
  const width = Number(/\((\d+)\)/.exec(nativeType)?.[1] ?? 1);
  const b = typeof raw === 'number' || typeof raw === 'bigint' ? BigInt(raw) : BigInt(`0x${hex(raw) || '0'}`);
  return b.toString(2).padStart(width, '0');
}

/** A SQL literal inlined as-is (digits), so that BIGINT and DECIMAL comparisons stay exact (a quoted string would compare as DOUBLE). */
export interface RawLiteral { toSqlString(): string }
export type MysqlParam = null | number | string | Buffer | RawLiteral;

// negatives in parentheses: `x - -5` must never read as `x --5`
const raw = (sql: string): RawLiteral => ({ toSqlString: () => (sql.startsWith('-') ? `(${sql})` : sql) });

const NUMERIC = new Set(['int', 'dec', 'float', 'bool']);

/** Encode a canonical value for a column of a table. */
export function toMysql(value: Value, column: ColumnInfo, table: string, purpose: 'write' | 'match' = 'write'): MysqlParam {
  if (purpose === 'match' && value !== null && typeof value === 'object' && value.t === 'invalid') {
    return value.reason === 'invalid-encoding' ? Buffer.from(value.raw, 'hex') : value.raw;
  }
  checkWritable(value, column, table);
  if (purpose === 'write') checkFits(value, column, table, 'mysql');
  checkPrecision(value, column, table, 0);
  if (value !== null && typeof value === 'object' && value.t === 'float' && !Number.isFinite(value.v)) {
    throw new WriteValueError(table, column.name, 'NaN and ±Infinity cannot be stored in MariaDB/MySQL');
  }
  if (/^bit\b/i.test(column.nativeType) && typeof value === 'string' && /^[01]+$/.test(value)) return raw(`b'${value}'`);
  // a number bound for a text column goes quoted: `varchar_col = 5` would compare as DOUBLE ('5.0' = 5)
  if (value !== null && typeof value === 'object' && (value.t === 'int' || value.t === 'dec' || value.t === 'float') && !NUMERIC.has(column.type)) return String(value.v);
  return encodeMysql(value);
}

export function encodeMysql(value: Value): MysqlParam {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return value;
  switch (value.t) {
    case 'int': case 'dec': return raw(value.v); // validated digits: safe to inline
    case 'float': return Number.isFinite(value.v) ? raw(String(value.v)) : String(value.v);
    case 'date': case 'time': return value.v;
    case 'lts': return sqlDateTime(value.v);
    case 'ts': return sqlDateTime(value.v); // sessions run with time_zone '+00:00'
    case 'bytes': return Buffer.from(value.v, 'base64');
    case 'json': return value.v;
    case 'invalid': return value.raw;
    default: return assertNever(value, 'value');
  }
}

export function mysqlParam(p: SqlParam): MysqlParam {
  if (typeof p === 'number') return Number.isFinite(p) ? raw(String(p)) : String(p);
  if (typeof p === 'bigint') return raw(p.toString());
  if (p instanceof Date) return p.toISOString().replace('T', ' ').replace('Z', '');
  if (p instanceof Uint8Array) return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  return encodeMysql(p);
}
