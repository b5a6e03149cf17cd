import type { Row, Value } from './value.js';
import { kindOf } from './value.js';

/** Equality of canonical values. Floats compare by value (NaN equals NaN: same stored value). */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a.t !== b.t) return false;
  if (a.t === 'float' && b.t === 'float') return a.v === b.v || (Number.isNaN(a.v) && Number.isNaN(b.v));
  if (a.t === 'invalid' && b.t === 'invalid') return a.reason === b.reason && a.raw === b.raw;
  return (a as { v: unknown }).v === (b as { v: unknown }).v;
}

/** Rows are equal when they have the same columns with equal values. */
export function rowEquals(a: Row, b: Row): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!(k in b) || !valueEquals(a[k]!, b[k]!)) return false;
  return true;
}

/** Columns whose values differ (missing columns included). */
export function diffRows(a: Row, b: Row): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!(k in a) || !(k in b) || !valueEquals(a[k]!, b[k]!)) out.push(k);
  }
  return out;
}

/** Two canonical integer texts (what `int` gives): what `cmpDigits` gives for them, with less work. */
function cmpInt(a: string, b: string): number {
  if (a === b) return 0;
  const na = a.charCodeAt(0) === 45;
  if (na !== (b.charCodeAt(0) === 45)) return na ? -1 : 1;
  const sign = na ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length ? -sign : sign;
  return a < b ? -sign : sign;
}

function cmpDigits(a: string, b: string): number {
  // compare two normalised decimal strings numerically
  const na = a.charCodeAt(0) === 45, nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  if (a.indexOf('.') < 0 && b.indexOf('.') < 0) {
    // integers (the common key): more digits is further from zero, same length compares as text; no splitting
    if (a.length !== b.length) return (na ? -1 : 1) * (a.length - b.length < 0 ? -1 : 1);
    return a === b ? 0 : (na ? -1 : 1) * (a < b ? -1 : 1);
  }
  const sign = na ? -1 : 1;
  const [ai = '', af = ''] = (na ? a.slice(1) : a).split('.');
  const [bi = '', bf = ''] = (nb ? b.slice(1) : b).split('.');
  if (ai.length !== bi.length) return sign * (ai.length - bi.length);
  if (ai !== bi) return sign * (ai < bi ? -1 : 1);
  const w = Math.max(af.length, bf.length);
  const x = af.padEnd(w, '0'), y = bf.padEnd(w, '0');
  return x === y ? 0 : sign * (x < y ? -1 : 1);
}

/**
 * Total order used for key ordering (keyset pagination, merge joins). NULL first; numbers numerically; text by Unicode
 * code point (adapters read keys in binary collation so the database's order agrees with this one).
 */
export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  // the key shapes of every keyset page and merge join (integers, text): no kind names looked up, no sign tricks
  if (typeof a === 'string') { if (typeof b === 'string') return compareText(a, b); }
  else if (typeof a === 'object' && typeof b === 'object' && a.t === 'int' && b.t === 'int') return cmpInt(a.v, b.v);
  const ka = kindOf(a), kb = kindOf(b);
  if (ka !== kb) {
    const num = (k: string) => k === 'int' || k === 'dec';
    if (num(ka) && num(kb)) return cmpDigits((a as { v: string }).v, (b as { v: string }).v);
    return ka < kb ? -1 : 1;
  }
  if (typeof a === 'boolean') return Number(a) - Number(b as boolean);
  if (typeof a === 'string') return compareText(a, b as string);
  switch (a.t) {
    case 'int': case 'dec': return cmpDigits(a.v, (b as { v: string }).v);
    case 'float': return a.v - (b as { v: number }).v;
    case 'invalid': return a.raw < (b as { raw: string }).raw ? -1 : a.raw > (b as { raw: string }).raw ? 1 : 0;
    default: { const x = a.v, y = (b as { v: string }).v; return x < y ? -1 : x > y ? 1 : 0; }
  }
}

/**
 * Text in Unicode code-point order: the order of binary UTF-8 collations (SQLite BINARY, PostgreSQL "C", MariaDB
 * utf8mb4_nopad_bin). Plain JS `<` compares UTF-16 code units, which puts U+10000.. (emoji) before U+E000..U+FFFF;
 * at the first differing unit, shifting surrogates above U+FFFF restores code-point order.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) {
      const fx = x >= 0xd800 ? (x >= 0xe000 ? x - 0x800 : x + 0x2000) : x;
      const fy = y >= 0xd800 ? (y >= 0xe000 ? y - 0x800 : y + 0x2000) : y;
      return fx < fy ? -1 : 1;
    }
  }
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}

/** Compare two composite keys column by column. */
export function compareKeys(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** A stable text form of a value, for hashing, map keys and logs. */
export function valueToText(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v.t === 'invalid') return `invalid:${v.reason}:${JSON.stringify(v.raw)}`;
  return `${v.t}:${typeof v.v === 'number' ? String(v.v) : v.v}`;
}

/** A stable text form of a composite key. */
export function keyToText(key: readonly Value[]): string {
  return key.map(valueToText).join('|');
}
