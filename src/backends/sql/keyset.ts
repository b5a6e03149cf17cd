import type { ColumnInfo } from '../types.js';
import type { Value } from '../../values/value.js';
import type { Bound, SqlDialect } from './session.js';

/**
 * A keyset bound as SQL: `(k1, k2) > (?, ?)` with row values, or the expanded `k1 > ? OR (k1 = ? AND k2 > ?)` that
 * MariaDB's range optimizer turns into index ranges. `order[i]` is the key position the i-th placeholder takes.
 */
export function keysetWhere(d: SqlDialect, keys: readonly ColumnInfo[], op: '>' | '<=', rowValues: boolean): { sql: string; order: number[] } {
  const exprs = keys.map((k) => d.keyExpr(k));
  if (rowValues || keys.length === 1) {
    const sql = keys.length === 1 ? `${exprs[0]} ${op} ?` : `(${exprs.join(', ')}) ${op} (${keys.map(() => '?').join(', ')})`;
    return { sql, order: keys.map((_, i) => i) };
  }
  const strict = op === '>' ? '>' : '<';
  const parts: string[] = [];
  const order: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const eqs: string[] = [];
    for (let j = 0; j < i; j++) { eqs.push(`${exprs[j]} = ?`); order.push(j); }
    const last = i === keys.length - 1 ? op : strict;
    eqs.push(`${exprs[i]} ${last} ?`); order.push(i);
    parts.push(`(${eqs.join(' AND ')})`);
  }
  return { sql: parts.join(' OR '), order };
}

/** `WHERE` text matching any of `keys` exactly (binary for text), with its parameters. */
export function keysMatch(d: SqlDialect, cols: readonly ColumnInfo[], keys: readonly (readonly Value[])[], table: string): { sql: string; params: Bound[] } {
  const params: Bound[] = [];
  const eq = cols.map((c) => d.keyEquals(c));
  const ors = keys.map((key) => {
    const ands = cols.map((c, i) => {
      for (let p = 0; p < eq[i]!.params; p++) params.push({ kind: 'value', value: key[i] ?? null, column: c, table, purpose: 'match' });
      return eq[i]!.sql;
    });
    return ands.length === 1 ? ands[0]! : `(${ands.join(' AND ')})`;
  });
  return { sql: ors.length === 1 ? ors[0]! : `(${ors.join(' OR ')})`, params };
}
