import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkFits } from '../../src/backends/sql/fit.js';
import type { ColumnInfo, Dialect } from '../../src/backends/types.js';
import { int } from '../../src/values/index.js';

/** Integer ranges are judged on doubles for short texts and on BigInt for long ones: both sides of each bound. */
const col = (integerBytes: 1 | 2 | 4 | 8, unsigned = false): ColumnInfo => ({ name: 'n', type: 'int', nativeType: `int${integerBytes}`, nullable: true, integerBytes, unsigned });
const fits = (v: string, c: ColumnInfo, dialect: Dialect = 'postgres') => { try { checkFits(int(v), c, 't', dialect); return true; } catch { return false; } };

describe('checkFits: integer ranges', () => {
  it.each([
    [2, false, '-32768', '32767'], [4, false, '-2147483648', '2147483647'], [8, false, '-9223372036854775808', '9223372036854775807'],
    [4, true, '0', '4294967295'], [8, true, '0', '18446744073709551615'], [1, false, '-128', '127'],
  ] as const)('%i bytes (unsigned %s): %s … %s', (bytes, unsigned, lo, hi) => {
    const c = col(bytes, unsigned);
    expect(fits(lo, c, 'mysql')).toBe(true);
    expect(fits(hi, c, 'mysql')).toBe(true);
    expect(fits((BigInt(lo) - 1n).toString(), c, 'mysql')).toBe(false);
    expect(fits((BigInt(hi) + 1n).toString(), c, 'mysql')).toBe(false);
  });

  it('agrees with BigInt arithmetic for any integer (property)', () => {
    fc.assert(fc.property(fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8), fc.boolean(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (bytes, unsigned, n) => {
      const bits = BigInt(bytes * 8);
      const [lo, hi] = unsigned ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n];
      expect(fits(n.toString(), col(bytes, unsigned))).toBe(n >= lo && n <= hi);
    }), { numRuns: 2000 });
  });

  it('counts characters, not UTF-16 units, against varchar(n)', () => {
    const c: ColumnInfo = { name: 's', type: 'text', nativeType: 'character varying(3)', nullable: true, maxLength: 3 };
    const ok = (v: string) => { try { checkFits(v, c, 't', 'postgres'); return true; } catch { return false; } };
    expect(ok('abc')).toBe(true);
    expect(ok('😀😀😀')).toBe(true); // 6 units, 3 characters
    expect(ok('abcd')).toBe(false);
    expect(ok('😀😀😀a')).toBe(false);
  });
});
