import type { ColumnInfo, TableInfo } from '../backends/types.js';
import type { PlainRow } from '../values/plain.js';

/**
 * MariaDB BIT(n) values are canonical text of n binary digits ('101'). Handed to a mapping as that text, a copy
 * into an integer column would read '101' as one hundred and one; so a mapping gets them by their meaning: a number
 * (a bigint above 2^53). A mapping that wants the digits writes `v.toString(2).padStart(n, '0')`.
 */
export function bitsToPlain(plain: PlainRow, legacy: TableInfo): PlainRow {
  let out: PlainRow | undefined;
  for (const c of legacy.columns) {
    if (!/^bit\b/i.test(c.nativeType)) continue;
    const v = plain[c.name];
    if (typeof v !== 'string' || !/^[01]+$/.test(v)) continue;
    out ??= { ...plain };
    const n = BigInt(`0b${v}`);
    out[c.name] = n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  return out ?? plain;
}

/**
 * The other direction: a number written into a BIT(n) column of next (MariaDB) becomes the column's canonical text
 * of n binary digits; a number that needs more than n bits is left as it is, and refused as a number for a text column.
 */
export function plainForBits(v: unknown, column: ColumnInfo): unknown {
  if ((typeof v !== 'number' && typeof v !== 'bigint') || !/^bit\b/i.test(column.nativeType)) return v;
  if (typeof v === 'number' && !Number.isSafeInteger(v)) return v;
  const n = BigInt(v);
  const width = Number(/\((\d+)\)/.exec(column.nativeType)?.[1] ?? 1);
  if (n < 0n || n >= 2n ** BigInt(width)) return v;
  return n.toString(2).padStart(width, '0');
}
