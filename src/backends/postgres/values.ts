import type { ColumnInfo, SqlParam } from '../types.js';
import type { LogicalType } from '../../values/logical-type.js';
import type { Value } from '../../values/value.js';
import { bytes, date, dec, float, instant, int, invalid, localTimestamp, time } from '../../values/construct.js';
import { jsonFromText } from '../sql/json-text.js';
import { checkFits } from '../sql/fit.js';
import { assertNever } from '../../errors.js';
import { checkPrecision, checkWritable, sqlDateTime } from '../sql/encode-common.js';
import { plainDate, plainDateTime } from '../../values/fast-text.js';

/** Logical type of a PostgreSQL base type (by `pg_type.typname`; domains resolved to their base type first). */
export function postgresLogicalType(typname: string, typtype = 'b'): LogicalType {
  if (typtype === 'e') return 'text'; // enum labels
  switch (typname) {
    case 'bool': return 'bool';
    case 'int2': case 'int4': case 'int8': case 'oid': return 'int';
    case 'numeric': return 'dec';
    case 'float4': case 'float8': return 'float';
    case 'text': case 'varchar': case 'bpchar': case 'name': case 'citext': case 'uuid': case 'xml': return 'text';
    case 'date': return 'date';
    case 'time': return 'time';
    case 'timestamp': return 'lts';
    case 'timestamptz': return 'ts';
    case 'bytea': return 'bytes';
    case 'json': case 'jsonb': return 'json';
    default: return 'unknown';
  }
}

/** Built-in type OIDs, for result columns of raw queries. */
const OID_NAMES: Record<number, string> = {
  16: 'bool', 17: 'bytea', 19: 'name', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 26: 'oid', 114: 'json',
  700: 'float4', 701: 'float8', 1042: 'bpchar', 1043: 'varchar', 1082: 'date', 1083: 'time', 1114: 'timestamp',
  1184: 'timestamptz', 1700: 'numeric', 2950: 'uuid', 3802: 'jsonb',
};

export function postgresOidType(oid: number): { type: LogicalType; nativeType: string } {
  const name = OID_NAMES[oid];
  return name ? { type: postgresLogicalType(name), nativeType: name } : { type: 'unknown', nativeType: `oid ${oid}` };
}

/**
 * Decode PostgreSQL's text output of a value (every type parser of the pool returns the text untouched; sessions run
 * with TimeZone=UTC and DateStyle=ISO so that this text has one form). `column.nativeType` tells `character(n)`
 * apart: its padding is removed, as PostgreSQL itself does when casting char(n) to text (trailing spaces of char(n)
 * are insignificant in PostgreSQL), so that the value equals MariaDB's CHAR and SQLite's text.
 */
export function fromPostgresText(text: string | null, column: Pick<ColumnInfo, 'type' | 'nativeType'>): Value {
  if (text === null || text === undefined) return null;
  const type = column.type;
  switch (type) {
    case 'bool': return text === 't' || text === 'true';
    case 'int': return int(text);
    case 'dec':
      // NaN and ±Infinity are legal numeric values in PostgreSQL but have no exact-decimal form
      if (!/^[+-]?(\d|\.\d)/.test(text)) return invalid('invalid-number', text);
      return dec(text);
    case 'float':
      if (text === 'NaN') return float(NaN);
      if (text === 'Infinity') return float(Infinity);
      if (text === '-Infinity') return float(-Infinity);
      return float(Number(text));
    case 'text':
      return isBpchar(column.nativeType) ? text.replace(/ +$/, '') : text;
    case 'date': return guard(text, 'invalid-date', () => date(text));
    case 'time': return guard(text, 'invalid-date', () => time(text));
    case 'lts': return guard(text, 'invalid-date', () => localTimestamp(text));
    case 'ts': return guard(text, 'invalid-date', () => instant(text));
    case 'bytes':
      // bytea_output = hex (the default since 9.0): \x0a0b...
      return text.startsWith('\\x') ? bytes(Buffer.from(text.slice(2), 'hex')) : bytes(Buffer.from(text, 'latin1'));
    case 'json': return guard(text, 'invalid-json', () => jsonFromText(text));
    case 'unknown': return text;
    default: return assertNever(type, 'logical type');
  }
}

/** A decoder for one result column: `fromPostgresText` with the per-column facts decided once. */
export type PostgresDecoder = (text: string | null) => Value;

/**
 * `fromPostgresText` for one column, built once per result column (the per-row path of every SELECT). The forms
 * PostgreSQL prints (plain digits, dates, `timestamp` without fraction) are built directly, anything else through
 * `fromPostgresText`: the result is always exactly `fromPostgresText(text, column)` (property-tested).
 */
export function postgresDecoder(column: Pick<ColumnInfo, 'type' | 'nativeType'>): PostgresDecoder {
  const slow: PostgresDecoder = (text) => fromPostgresText(text, column);
  switch (column.type) {
    case 'int': return (text) => (text === null || text === undefined ? null : int(text));
    case 'text':
      if (isBpchar(column.nativeType)) return slow;
      return (text) => (text === undefined ? null : text);
    case 'date': return (text) => (text !== null && text !== undefined && text.length === 10 && plainDate(text) ? { t: 'date', v: text } : slow(text));
    case 'lts': return (text) => {
      const v = text === null || text === undefined ? null : plainDateTime(text);
      return v === null ? slow(text) : { t: 'lts', v };
    };
    default: return slow;
  }
}

function isBpchar(nativeType: string): boolean {
  return nativeType === 'bpchar' || /^character\(\d+\)$/.test(nativeType) || nativeType === 'character';
}

/** `infinity`, BC dates and the like have no canonical form: they are reported as invalid with the source text. */
function guard(text: string, reason: 'invalid-date' | 'invalid-json', make: () => Value): Value {
  try { return make(); } catch { return invalid(reason, text); }
}

/** What pg binds: text for everything (PostgreSQL parses it by the parameter's inferred type), Buffer for bytea. */
export type PostgresParam = null | string | boolean | Buffer;

/** Encode a canonical value for a column of a table. */
export function toPostgres(value: Value, column: ColumnInfo, table: string, purpose: 'write' | 'match' = 'write'): PostgresParam {
  if (purpose === 'match' && value !== null && typeof value === 'object' && value.t === 'invalid') return value.raw;
  checkWritable(value, column, table);
  if (purpose === 'write') checkFits(value, column, table, 'postgres');
  checkPrecision(value, column, table, 6);
  return encodePostgres(value);
}

export function encodePostgres(value: Value): PostgresParam {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  switch (value.t) {
    case 'int': case 'dec': return value.v;
    case 'float': return Number.isNaN(value.v) ? 'NaN' : value.v === Infinity ? 'Infinity' : value.v === -Infinity ? '-Infinity' : String(value.v);
    case 'date': case 'time': return value.v;
    case 'lts': return sqlDateTime(value.v);
    case 'ts': return value.v;
    case 'bytes': return Buffer.from(value.v, 'base64');
    case 'json': return value.v;
    case 'invalid': return value.raw;
    default: return assertNever(value, 'value');
  }
}

export function postgresParam(p: SqlParam): PostgresParam {
  if (typeof p === 'number' || typeof p === 'bigint') return String(p);
  if (p instanceof Date) return p.toISOString();
  if (p instanceof Uint8Array) return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  return encodePostgres(p);
}
