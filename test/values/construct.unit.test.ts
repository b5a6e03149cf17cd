import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  date, dec, instant, int, json, localTimestamp, localToInstant, normalizeDecimal, time, ValueError,
} from '../../src/values/index.js';

describe('normalizeDecimal', () => {
  it.each([
    ['12.50', '12.5'], ['012.500', '12.5'], ['-0.00', '0'], ['+3', '3'], ['0.0001', '0.0001'], ['1e3', '1000'],
    ['1.5E-3', '0.0015'], ['-12.340', '-12.34'], ['.5', '0.5'], ['100', '100'], ['123456789012345678901234.5678', '123456789012345678901234.5678'],
  ])('%s → %s', (input, out) => expect(normalizeDecimal(input)).toBe(out));

  it.each(['', 'abc', '1,5', '1.2.3', '--1', '1 234'])('rejects %j with a ValueError', (bad) => {
    expect(() => normalizeDecimal(bad)).toThrow(ValueError);
  });

  it('is idempotent and agrees with BigInt arithmetic for any scaled integer', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }), (n, scale) => {
      const neg = n < 0n; const abs = (neg ? -n : n).toString().padStart(scale + 1, '0');
      const text = `${neg ? '-' : ''}${abs.slice(0, abs.length - scale)}${scale ? '.' + abs.slice(abs.length - scale) : ''}`;
      const norm = normalizeDecimal(text);
      expect(normalizeDecimal(norm)).toBe(norm);
      // same value: scaling back gives the same integer
      const [i = '', f = ''] = norm.replace('-', '').split('.');
      const back = BigInt(i + f.padEnd(scale, '0')) * (norm.startsWith('-') ? -1n : 1n);
      expect(back).toBe(n);
    }));
  });
});

describe('fast paths (plain digits) agree with the general parser', () => {
  // a leading blank sends the same text through the general path (it trims): both must agree on every input
  const digits = fc.stringMatching(/^-?[0-9]{1,20}(\.[0-9]{0,8})?$/);
  it('normalizeDecimal', () => {
    fc.assert(fc.property(digits, (text) => {
      let slow: string | undefined; let fast: string | undefined;
      try { slow = normalizeDecimal(` ${text}`); } catch { slow = 'error'; }
      try { fast = normalizeDecimal(text); } catch { fast = 'error'; }
      expect(fast).toBe(slow);
    }), { numRuns: 2000 });
    for (const t of ['-0', '-0.0', '-00', '0.50', '-0.50', '000', '5.', '.5', '-12.0']) expect(normalizeDecimal(t)).toBe(normalizeDecimal(` ${t}`));
  });
  it('int', () => {
    fc.assert(fc.property(fc.stringMatching(/^-?[0-9]{1,18}$/), (text) => {
      expect(int(text)).toEqual(int(` ${text}`));
    }), { numRuns: 2000 });
    for (const t of ['0', '-0', '007', '-007', '999999999999999', '9999999999999999']) expect(int(t)).toEqual(int(` ${t}`));
  });
});

describe('fast paths (plain date-times) agree with the general parser', () => {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const ymd = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }));
  const hms = fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }));
  const outcome = (f: () => unknown) => { try { return f(); } catch (e) { return e instanceof ValueError ? 'ValueError' : 'other'; } };
  it('date: valid exactly when the calendar has that day', () => {
    fc.assert(fc.property(ymd, ([y, m, d]) => {
      const text = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
      const real = m >= 1 && m <= 12 && d >= 1 && new Date(Date.UTC(2000, m - 1, d)).getUTCDate() === d
        && (m !== 2 || d < 29 || (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0);
      expect(outcome(() => date(text))).toEqual(real ? { t: 'date', v: text } : 'ValueError');
    }), { numRuns: 3000 });
  });
  it('localTimestamp', () => {
    // a leading blank sends the same text through the general path (it trims)
    const forms = fc.tuple(ymd, hms, fc.constantFrom('T', ' '), fc.option(fc.integer({ min: 0, max: 999999 })))
      .map(([[y, m, d], [h, mi, se], sep, f]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}${sep}${pad(h, 2)}:${pad(mi, 2)}:${pad(se, 2)}${f === null ? '' : `.${pad(f, 6)}`}`);
    fc.assert(fc.property(forms, (text) => { expect(outcome(() => localTimestamp(text))).toEqual(outcome(() => localTimestamp(` ${text}`))); }), { numRuns: 3000 });
  });
});

describe('constructors', () => {
  it('int keeps big integers exact', () => {
    expect(int('9007199254740993')).toEqual({ t: 'int', v: '9007199254740993' });
    expect(int(9007199254740993n)).toEqual({ t: 'int', v: '9007199254740993' });
    expect(() => int(2 ** 60)).toThrow(/safe integer/);
    expect(int('-007')).toEqual({ t: 'int', v: '-7' });
  });
  it('dec from numbers and text agree', () => {
    expect(dec(12.5)).toEqual(dec('12.50'));
    expect(() => dec(Number.NaN)).toThrow(ValueError);
  });
  it('dates are validated', () => {
    expect(date('2024-02-29').v).toBe('2024-02-29');
    expect(() => date('2023-02-29')).toThrow(/not a valid date/);
    expect(() => date('0000-00-00')).toThrow(ValueError);
  });
  it('time trims trailing fractional zeros', () => {
    expect(time('10:11:12.500000').v).toBe('10:11:12.5');
    expect(time('10:11:12').v).toBe('10:11:12');
  });
  it('local timestamps keep microseconds and refuse zones', () => {
    expect(localTimestamp('2020-01-02 03:04:05.123456').v).toBe('2020-01-02T03:04:05.123456');
    expect(localTimestamp('2020-01-02T03:04:05').v).toBe('2020-01-02T03:04:05.000000');
    expect(() => localTimestamp('2020-01-02T03:04:05Z')).toThrow(/carries a zone/);
  });
  it('instants normalise every zone notation to UTC with 6 digits', () => {
    const want = '2020-01-02T02:04:05.123456Z';
    expect(instant('2020-01-02 03:04:05.123456+01').v).toBe(want);
    expect(instant('2020-01-02T03:04:05.123456+01:00').v).toBe(want);
    expect(instant('2020-01-02T02:04:05.123456Z').v).toBe(want);
    expect(instant(new Date('2020-01-02T02:04:05.123Z')).v).toBe('2020-01-02T02:04:05.123000Z');
    expect(instant(1577930645123456n).v).toBe(want);
    expect(() => instant('2020-01-02 03:04:05')).toThrow(/has no zone/);
  });
  it('local to instant uses the zone explicitly, including DST', () => {
    expect(localToInstant(localTimestamp('2024-07-01 12:00:00'), 'Europe/Paris').v).toBe('2024-07-01T10:00:00.000000Z');
    expect(localToInstant(localTimestamp('2024-01-01 12:00:00'), 'Europe/Paris').v).toBe('2024-01-01T11:00:00.000000Z');
    // the repeated hour when clocks go back resolves to the earlier instant
    expect(localToInstant(localTimestamp('2024-10-27 02:30:00'), 'Europe/Paris').v).toBe('2024-10-27T00:30:00.000000Z');
    // the skipped hour when clocks go forward moves forward by the gap, as PostgreSQL does
    expect(localToInstant(localTimestamp('2024-03-31 02:30:00'), 'Europe/Paris').v).toBe('2024-03-31T01:30:00.000000Z');
  });
  it('json is canonical whatever the key order and spacing', () => {
    expect(json('{"b": 1, "a": {"d": [1, {"z": 0, "y": null}], "c": true}}').v).toBe('{"a":{"c":true,"d":[1,{"y":null,"z":0}]},"b":1}');
    expect(() => json('{oops')).toThrow(/not valid JSON/);
  });
});

describe('canonical texts take the fast path with the same result', () => {
  // "e0" and a leading space keep a text off the fast path: the general normalisation is the reference
  const digits = fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), minLength: 1, maxLength: 22 });
  const text = fc.tuple(fc.constantFrom('', '-', '+'), digits, fc.option(fc.string({ unit: fc.constantFrom('0', '3', '9'), maxLength: 8 }))).map(([s, i, f]) => (f === null ? `${s}${i}` : `${s}${i}.${f}`));
  it('normalizeDecimal (property)', () => {
    fc.assert(fc.property(text, (x) => { expect(normalizeDecimal(x)).toBe(normalizeDecimal(`${x}e0`)); }), { numRuns: 2000 });
    for (const x of ['0', '-0', '-0.0', '0.50', '-0.5', '007', '10', '1.', '.5']) expect(normalizeDecimal(x)).toBe(normalizeDecimal(`${x}e0`));
  });
  it('int from text (property)', () => {
    fc.assert(fc.property(text.filter((x) => !x.includes('.')), (x) => { expect(int(x)).toEqual(int(` ${x}`)); }), { numRuns: 2000 });
    expect(int('-0')).toEqual({ t: 'int', v: '0' });
  });
});
