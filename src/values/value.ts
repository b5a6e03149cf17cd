/**
 * The canonical value model: one representation of a column value that does not depend on the engine it was read
 * from, so that the same row read from MariaDB, PostgreSQL or SQLite (or captured from a binary log or a trigger)
 * compares equal. Every adapter converts its driver's values into these, and back, at its own boundary.
 *
 * Design choices (why):
 * - Plain JS `string` is text and `boolean` is a boolean: the common cases stay cheap and readable.
 * - Integers and decimals are strings of digits, never JS numbers: a DECIMAL(18,4) or a BIGINT must not lose digits.
 *   Decimals are normalised (no leading zeros, no trailing fractional zeros, no "-0") so that 12.50 (MariaDB
 *   DECIMAL(10,2)), 12.5 (PostgreSQL numeric) and '12.50' (SQLite TEXT) are the same value.
 * - Timestamps come in two kinds and are never mixed silently: `ts` is an instant (UTC, ISO-8601 with 6 fractional
 *   digits and `Z`), `lts` is a zone-less local date-time (MariaDB DATETIME, PostgreSQL timestamp without time zone).
 *   Turning an `lts` into a `ts` needs an explicit zone (see `localToInstant`).
 * - Values that cannot be represented (MariaDB zero dates, invalid bytes in a text column) become `invalid` with the
 *   raw text and the reason: they are reported, never coerced.
 */
export type Value =
  | null
  | boolean
  | string
  | IntValue
  | DecValue
  | FloatValue
  | DateValue
  | TimeValue
  | InstantValue
  | LocalTimestampValue
  | BytesValue
  | JsonValue
  | InvalidValue;

export interface IntValue { readonly t: 'int'; readonly v: string }
export interface DecValue { readonly t: 'dec'; readonly v: string }
/** Finite or not: NaN and ±Infinity are kept as such (PostgreSQL allows them). */
export interface FloatValue { readonly t: 'float'; readonly v: number }
/** YYYY-MM-DD */
export interface DateValue { readonly t: 'date'; readonly v: string }
/** HH:MM:SS[.ffffff] (fraction trimmed of trailing zeros) */
export interface TimeValue { readonly t: 'time'; readonly v: string }
/** An instant: YYYY-MM-DDTHH:MM:SS.ffffffZ */
export interface InstantValue { readonly t: 'ts'; readonly v: string }
/** A local, zone-less date-time: YYYY-MM-DDTHH:MM:SS.ffffff */
export interface LocalTimestampValue { readonly t: 'lts'; readonly v: string }
/** Binary, base64 */
export interface BytesValue { readonly t: 'bytes'; readonly v: string }
/** JSON document, as canonical text (object keys sorted, no insignificant space) */
export interface JsonValue { readonly t: 'json'; readonly v: string }

export type InvalidReason = 'zero-date' | 'invalid-date' | 'invalid-encoding' | 'invalid-number' | 'invalid-json';
/** A value the source holds but that has no faithful canonical form. `raw` is the source text (or hex for bytes). */
export interface InvalidValue { readonly t: 'invalid'; readonly reason: InvalidReason; readonly raw: string }

export type TaggedValue = Exclude<Value, null | boolean | string>;
export type ValueKind = 'null' | 'bool' | 'text' | TaggedValue['t'];

/** A row: column name to canonical value. */
export type Row = Record<string, Value>;

export function kindOf(v: Value): ValueKind {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'text';
  return v.t;
}

export function isInvalid(v: Value): v is InvalidValue {
  return v !== null && typeof v === 'object' && v.t === 'invalid';
}
