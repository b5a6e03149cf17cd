import type { TableInfo } from '../backends/types.js';
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
