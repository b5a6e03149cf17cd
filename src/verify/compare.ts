import type { Row, Value } from '../values/index.js';
import { valueEquals } from '../values/index.js';
import type { ColumnDifference, DisplayValue } from './types.js';

/**
 * A canonical value as a report shows it. Equality is decided on canonical values (decimal scale, JSON key order,
 * instant zones and CHAR padding are already normalised by the adapters), never on this text.
 */
export function displayValue(v: Value | undefined): DisplayValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (v.t === 'invalid') return `invalid:${v.reason}:${v.raw}`;
  if (v.t === 'float') return String(v.v);
  return v.v;
}

/** The columns of `expected` whose canonical value differs in `actual`, with both values. */
export function compareColumns(expected: Row, actual: Row, columns: readonly string[]): ColumnDifference[] {
  const out: ColumnDifference[] = [];
  for (const c of columns) {
    const e = expected[c] ?? null;
    const a = actual[c] ?? null;
    if (!valueEquals(e, a)) out.push({ column: c, expected: displayValue(e), actual: displayValue(a) });
  }
  return out;
}

/** Whether every column of `expected` holds the same canonical value in `actual` (no allocation: the hot path). */
export function columnsEqual(expected: Row, actual: Row, columns: readonly string[]): boolean {
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    if (!valueEquals(expected[c] ?? null, actual[c] ?? null)) return false;
  }
  return true;
}

/**
 * `columnsEqual` for one fixed column list, generated once with the column names as literals: property reads V8
 * resolves per shape instead of keyed reads by a name that changes with every column (the merge join compares every
 * row of a table with the same list). Same answer as `columnsEqual(expected, actual, columns)` (property-tested).
 */
export function columnsComparator(columns: readonly string[]): (expected: Row, actual: Row) => boolean {
  if (columns.length === 0) return () => true;
  const q = columns.map((c) => JSON.stringify(c));
  // generated code: names are JSON string literals
  const make = new Function('eq', `return function columnsEqualTo(e, a) {\n  return ${q.map((c) => `eq(e[${c}] ?? null, a[${c}] ?? null)`).join('\n    && ')};\n};`) as (eq: typeof valueEquals) => (expected: Row, actual: Row) => boolean;
  return make(valueEquals);
}

export function displayKey(names: readonly string[], values: readonly Value[]): Record<string, DisplayValue> {
  const out: Record<string, DisplayValue> = {};
  names.forEach((n, i) => { out[n] = displayValue(values[i] ?? null); });
  return out;
}
