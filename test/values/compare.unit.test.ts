import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareKeys, compareValues, dec, diffRows, float, fromPlain, int, invalid, keyToText, rowEquals, rowToPlain, toPlain,
  valueEquals, type Value,
} from '../../src/values/index.js';

const numericText = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 6 }))
  .map(([n, s]) => { const neg = n < 0n; const a = (neg ? -n : n).toString().padStart(s + 1, '0'); return `${neg ? '-' : ''}${a.slice(0, a.length - s)}${s ? '.' + a.slice(a.length - s) : ''}`; });

describe('compareValues', () => {
  it('orders decimals numerically, across int and dec', () => {
    expect(compareValues(dec('9.99'), dec('10'))).toBeLessThan(0);
    expect(compareValues(dec('-10'), dec('-9.5'))).toBeLessThan(0);
    expect(compareValues(int('10'), dec('9.5'))).toBeGreaterThan(0);
    expect(compareValues(int('3'), dec('3'))).toBe(0);
  });
  it('is a total order consistent with numeric order for random decimals', () => {
    fc.assert(fc.property(numericText, numericText, (a, b) => {
      const c = Math.sign(compareValues(dec(a), dec(b)));
      const scale = 10n ** 6n;
      const toScaled = (s: string) => { const neg = s.startsWith('-'); const [i = '', f = ''] = s.replace('-', '').split('.'); const v = BigInt(i) * scale + BigInt(f.padEnd(6, '0')); return neg ? -v : v; };
      const x = toScaled(a), y = toScaled(b);
      expect(c).toBe(x < y ? -1 : x > y ? 1 : 0);
    }));
  });
  it('orders integers numerically (the int/int shortcut agrees with the general int/dec path)', () => {
    const big = fc.oneof(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.bigInt({ min: -1000n, max: 1000n }));
    fc.assert(fc.property(big, big, (a, b) => {
      const c = Math.sign(compareValues(int(a), int(b)));
      expect(c).toBe(a < b ? -1 : a > b ? 1 : 0);
      expect(c).toBe(Math.sign(compareValues(int(a), dec(b))));
    }));
  });
  it('sorts NULL first and text by code units', () => {
    const vs: Value[] = ['b', null, 'B', 'é', 'a'];
    expect([...vs].sort(compareValues)).toEqual([null, 'B', 'a', 'b', 'é']);
  });
  it('compares composite keys column by column', () => {
    expect(compareKeys([int(1), 'b'], [int(1), 'c'])).toBeLessThan(0);
    expect(compareKeys([int(2), 'a'], [int(1), 'z'])).toBeGreaterThan(0);
    expect(keyToText([int(1), 'a', null])).toBe('int:1|"a"|null');
  });
});

describe('equality', () => {
  it('treats NaN as equal to itself and distinguishes kinds', () => {
    expect(valueEquals(float(Number.NaN), float(Number.NaN))).toBe(true);
    expect(valueEquals(int('1'), dec('1'))).toBe(false);
    expect(valueEquals('1', int('1'))).toBe(false);
    expect(valueEquals(invalid('zero-date', '0000-00-00'), invalid('zero-date', '0000-00-00'))).toBe(true);
  });
  it('rowEquals and diffRows agree', () => {
    const a = { id: int(1), amount: dec('12.50'), note: null };
    const b = { id: int(1), amount: dec('12.5'), note: null };
    expect(rowEquals(a, b)).toBe(true);
    expect(diffRows(a, { ...b, note: 'x' })).toEqual(['note']);
    expect(diffRows(a, { id: int(1), amount: dec('12.5') })).toEqual(['note']);
  });
});

describe('plain values', () => {
  it('round-trip through plain for every kind', () => {
    const row = {
      i: int('42'), big: int('9007199254740993'), d: dec('-0.5'), f: float(1.25), t: 'héllo', b: true, n: null,
    };
    const plain = rowToPlain(row);
    expect(plain).toEqual({ i: 42, big: 9007199254740993n, d: '-0.5', f: 1.25, t: 'héllo', b: true, n: null });
    expect(fromPlain(plain.i, 'int')).toEqual(row.i);
    expect(fromPlain(plain.big, 'int')).toEqual(row.big);
    expect(fromPlain(plain.d, 'dec')).toEqual(row.d);
    expect(toPlain(invalid('zero-date', '0000-00-00'))).toEqual({ t: 'invalid', reason: 'zero-date', raw: '0000-00-00' });
  });
  it('is strict about kinds and says what it found', () => {
    expect(() => fromPlain(12, 'text')).toThrow(/expected a value for a text column, found number 12/);
    expect(() => fromPlain('abc', 'int')).toThrow(/not an integer/);
    expect(fromPlain(1, 'bool')).toBe(true);
    expect(fromPlain('2020-01-01T00:00:00', 'date')).toEqual({ t: 'date', v: '2020-01-01' });
    expect(fromPlain({ b: 1, a: 2 }, 'json')).toEqual({ t: 'json', v: '{"a":2,"b":1}' });
    expect(fromPlain(Buffer.from([0, 255]), 'bytes')).toEqual({ t: 'bytes', v: 'AP8=' });
  });
});
