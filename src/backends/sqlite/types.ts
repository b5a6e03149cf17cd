import type { LogicalType } from '../../values/logical-type.js';

/** SQLite's column affinity, from the declared type by the rules of https://sqlite.org/datatype3.html §3.1. */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

export function affinityOf(declared: string): Affinity {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t.trim() === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/**
 * The logical type of a SQLite column. SQLite stores any value in any column, so the declared type name is all we
 * have: well-known names first (BOOLEAN, JSON, DATE, DATETIME/TIMESTAMP, TIME, DECIMAL/NUMERIC/MONEY), then the
 * affinity. A column without a declared type, or with a name we do not recognise, is `unknown` and read by the
 * storage class of each value.
 */
export function sqliteLogicalType(declared: string): LogicalType {
  const t = declared.toUpperCase().replace(/\(.*$/, '').trim();
  const words = t.split(/[\s_]+/);
  const has = (w: string) => words.includes(w);
  if (has('BOOL') || has('BOOLEAN')) return 'bool';
  if (has('JSON') || has('JSONB')) return 'json';
  if (has('TIMESTAMPTZ') || /TIMESTAMP\s+WITH\s+TIME\s+ZONE/.test(t)) return 'ts';
  if (has('DATETIME') || has('TIMESTAMP')) return 'lts';
  if (has('DATE')) return 'date';
  if (has('TIME')) return 'time';
  if (has('DECIMAL') || has('NUMERIC') || has('MONEY') || has('NUMBER')) return 'dec';
  if (has('UUID')) return 'text';
  switch (affinityOf(declared)) {
    case 'INTEGER': return 'int';
    case 'TEXT': return 'text';
    case 'REAL': return 'float';
    case 'BLOB': return t === '' ? 'unknown' : 'bytes';
    case 'NUMERIC': return 'unknown';
  }
}

/** Precision and scale from `DECIMAL(p,s)`-style declarations. */
export function precisionScale(declared: string): { precision?: number; scale?: number } {
  const m = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(declared);
  if (!m) return {};
  return m[2] !== undefined ? { precision: Number(m[1]), scale: Number(m[2]) } : { precision: Number(m[1]) };
}
