import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, sortableBinlog, sortableCounter, sortableLsn, sortableTuple } from '../../src/state/version-order.js';

const sign = (n: number) => Math.sign(n);
const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

describe('sortable version forms: byte order is position order', () => {
  it('counters', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (a, b) => {
      expect(sign(compareVersions(sortableCounter(a), sortableCounter(b)))).toBe(cmpBig(a, b));
    }));
    expect(() => sortableCounter(-1)).toThrow(/sortableCounter/);
    expect(() => sortableCounter(2 ** 60)).toThrow(/safe integer/);
  });

  it('PostgreSQL LSNs', () => {
    const lsn = fc.tuple(fc.nat(), fc.nat()).map(([hi, lo]) => ({ text: `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`, n: (BigInt(hi) << 32n) + BigInt(lo) }));
    fc.assert(fc.property(lsn, lsn, (a, b) => {
      expect(sign(compareVersions(sortableLsn(a.text), sortableLsn(b.text)))).toBe(cmpBig(a.n, b.n));
    }));
    expect(() => sortableLsn('16B3748')).toThrow(/sortableLsn: expected a PostgreSQL LSN/);
  });

  it('binlog file and offset', () => {
    const pos = fc.tuple(fc.integer({ min: 1, max: 999_999 }), fc.nat()).map(([f, o]) => ({ file: `mysql-bin.${String(f).padStart(6, '0')}`, f, o }));
    fc.assert(fc.property(pos, pos, (a, b) => {
      const expected = a.f !== b.f ? Math.sign(a.f - b.f) : Math.sign(a.o - b.o);
      expect(sign(compareVersions(sortableBinlog(a.file, a.o), sortableBinlog(b.file, b.o)))).toBe(expected);
    }));
    expect(() => sortableBinlog('mysql-bin', 4)).toThrow(/binlog file name/);
  });

  it('tuples order part by part, even with parts of different lengths', () => {
    const part = fc.stringMatching(/^[!-~]{1,6}$/);
    fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 3 }), fc.array(part, { minLength: 1, maxLength: 3 }), (a, b) => {
      let expected = 0;
      for (let i = 0; i < Math.min(a.length, b.length) && expected === 0; i++) expected = sign(compareVersions(a[i]!, b[i]!));
      if (expected === 0) expected = Math.sign(a.length - b.length);
      expect(sign(compareVersions(sortableTuple(...a), sortableTuple(...b)))).toBe(expected);
    }));
    expect(() => sortableTuple('a b')).toThrow(/printable ASCII without spaces/);
  });
});
