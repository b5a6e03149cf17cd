import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyCleaning, codeMap, emptyToNull, lower, parseDecimal, parseDecimalText, repairEncoding, repairMojibake, title,
  toInstant, toStep, trim, upper, zeroDatesToNull, CleaningError,
} from '../../src/config/cleaning/index.js';
import { invalid } from '../../src/values/construct.js';
import type { CleaningStep, PlainRow } from '../../src/config/types.js';

const ctx = { table: 'CLIENT' };
const run = (step: CleaningStep, row: PlainRow) => step.apply(row, ctx);

function cleaningError(fn: () => unknown): CleaningError {
  try { fn(); } catch (e) { if (CleaningError.is(e)) return e; throw e; }
  throw new Error('expected a CleaningError');
}

describe('trim', () => {
  it('trims every text column, CHAR padding included, and leaves other values alone', () => {
    const row = { A: '  x  ', B: 'DUPONT    ', N: 3, Z: null };
    expect(run(trim(), row)).toEqual({ A: 'x', B: 'DUPONT', N: 3, Z: null });
  });
  it('trims only the named columns, and only the end with side: end', () => {
    expect(run(trim('A'), { A: ' a ', B: ' b ' })).toEqual({ A: 'a', B: ' b ' });
    expect(run(trim('A', { side: 'end' }), { A: ' a ' })).toEqual({ A: ' a' });
  });
  it('never mutates its input', () => {
    const row = { A: ' a ' };
    run(trim(), row);
    expect(row).toEqual({ A: ' a ' });
  });
});

describe('case steps', () => {
  it('upper, lower and title', () => {
    expect(run(upper('C'), { C: 'fr', D: 'x' })).toEqual({ C: 'FR', D: 'x' });
    expect(run(lower(), { C: 'ÉCOLE' })).toEqual({ C: 'école' });
    expect(run(title('N'), { N: "jean-pierre O'NEIL de la FONTAINE" })).toEqual({ N: "Jean-Pierre O'neil De La Fontaine" });
  });
  it('honours a locale', () => {
    expect(run(upper('C', { locale: 'tr' }), { C: 'istanbul' })).toEqual({ C: 'İSTANBUL' });
  });
});

describe('repairEncoding', () => {
  it('repairs UTF-8 read as cp1252/latin1', () => {
    expect(repairMojibake('CrÃ©dit Agricole')).toBe('Crédit Agricole');
    expect(repairMojibake('â‚¬ 12')).toBe('€ 12'); // cp1252 bytes 0x80.. in the mojibake
    expect(repairMojibake('FranÃ§ois')).toBe('François');
    expect(repairMojibake('Ã\u0089cole')).toBe('École'); // latin1 reading: a raw C1 control
  });
  it('leaves genuine text alone', () => {
    for (const s of ['Crédit', 'plain ascii', 'Ã', 'Ã alone', '日本語', 'naïve café', 'CrÃ©dit 日本']) {
      expect(repairMojibake(s)).toBeUndefined();
    }
  });
  it('repairs double encoding up to two layers, in the named columns only', () => {
    const twice = Buffer.from(Buffer.from('é', 'utf8').toString('latin1'), 'utf8').toString('latin1');
    expect(run(repairEncoding('N'), { N: twice, M: 'CrÃ©dit' })).toEqual({ N: 'é', M: 'CrÃ©dit' });
  });
  it('repairs invalid-encoding values (bytes as hex): UTF-8 bytes always, other bytes as cp1252 only when asked', () => {
    const utf8Bytes = invalid('invalid-encoding', Buffer.from('Crédit', 'utf8').toString('hex'));
    const latin1Bytes = invalid('invalid-encoding', Buffer.from('Crédit €', 'latin1').toString('hex').replace('ac', '80'));
    expect(run(repairEncoding(), { A: utf8Bytes, B: latin1Bytes })).toEqual({ A: 'Crédit', B: latin1Bytes });
    expect(run(repairEncoding({ invalidBytes: 'cp1252' }), { B: latin1Bytes })).toEqual({ B: 'Crédit €' });
    const zero = invalid('zero-date', '0000-00-00');
    expect(run(repairEncoding(), { Z: zero })).toEqual({ Z: zero });
  });

  it('round-trips: repairing the mojibake of any text gives the text back', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (s) => {
      const moji = Buffer.from(s, 'utf8').toString('latin1');
      const fixed = repairMojibake(moji);
      expect(fixed ?? moji).toBe(s);
    }));
  });
});

describe('zeroDatesToNull', () => {
  it('turns zero-date invalid values into NULL, explicitly, and keeps other invalid values', () => {
    const row = { D: invalid('zero-date', '0000-00-00'), E: invalid('invalid-date', '2019-02-30'), F: '2020-01-01' };
    expect(run(zeroDatesToNull(), row)).toEqual({ D: null, E: row.E, F: '2020-01-01' });
    expect(run(zeroDatesToNull({ invalidDates: true }), row)).toEqual({ D: null, E: null, F: '2020-01-01' });
    expect(run(zeroDatesToNull('E'), row)).toEqual(row);
  });
});

describe('emptyToNull', () => {
  it('turns empty and blank text into NULL', () => {
    expect(run(emptyToNull(), { A: '', B: '  ', C: 'x', D: 0 })).toEqual({ A: null, B: null, C: 'x', D: 0 });
    expect(run(emptyToNull('B', { blank: false }), { B: '  ' })).toEqual({ B: '  ' });
  });
});

describe('codeMap', () => {
  const statut = codeMap('STATUT', { 1: 'active', 2: 'closed', A: 'archived' });
  it('maps numbers, bigints and numeric text by their text', () => {
    expect(run(statut, { STATUT: 1 })).toEqual({ STATUT: 'active' });
    expect(run(statut, { STATUT: 2n })).toEqual({ STATUT: 'closed' });
    expect(run(statut, { STATUT: ' A ' })).toEqual({ STATUT: 'archived' });
    expect(run(statut, { STATUT: null })).toEqual({ STATUT: null });
  });
  it('an unknown code is an error naming the table, column, value and reason', () => {
    const e = cleaningError(() => run(statut, { STATUT: 7 }));
    expect(e.code).toBe('CLEAN_UNKNOWN_CODE');
    expect(e).toMatchObject({ step: 'codeMap', table: 'CLIENT', column: 'STATUT', value: 7, reason: 'unknown-code' });
    expect(e.message).toBe('CLIENT.STATUT: codeMap: unknown code "7" (known: 1, 2, A) (value 7)');
  });
  it('otherwise and nullAs', () => {
    const m = codeMap('S', { 1: 'a' }, { otherwise: 'other', nullAs: 'none' });
    expect(run(m, { S: 9 })).toEqual({ S: 'other' });
    expect(run(m, { S: null })).toEqual({ S: 'none' });
  });
});

describe('parseDecimal', () => {
  it.each([
    ['1 234,50', '1234.5'], ['1.234,50', '1234.5'], ['1,234.50', '1234.5'], ['1234,5', '1234.5'], ['12.50', '12.5'],
    ['1\u202f234\u00a0567,89', '1234567.89'], ['-12,00', '-12'], ['12,50-', '-12.5'], ['(12,50)', '-12.5'],
    ['12,50 €', '12.5'], ['EUR 3', '3'], ['0,00', '0'], ['1.234.567', '1234567'], ['1,234,567', '1234567'], [' 7 ', '7'],
    ["1'234.5", '1234.5'], [',5', '0.5'],
  ])('%j → %j', (input, expected) => {
    expect(parseDecimalText(input)).toBe(expected);
  });
  it.each(['', 'abc', '1.2.3,4,5', '12,3,4', '1.23.4', '--1', '1e5', '€'])('rejects %j', (input) => {
    expect(parseDecimalText(input)).toBeUndefined();
  });
  it('honours an explicit separator', () => {
    expect(parseDecimalText('1.234', ',')).toBe('1234');
    expect(parseDecimalText('1.234', 'auto')).toBe('1.234');
  });
  it('plain digits take a shortcut that gives what the full rules give (a leading blank forces the full rules)', () => {
    fc.assert(fc.property(fc.stringMatching(/^-?[0-9]{1,15}(\.[0-9]{1,6})?$/), fc.constantFrom<',' | '.' | 'auto'>('auto', '.', ','), (text, sep) => {
      expect(parseDecimalText(text, sep)).toBe(parseDecimalText(` ${text}`, sep));
    }), { numRuns: 2000 });
  });
  it('as a step: numbers to exact text, NULL kept, unparseable text is an error', () => {
    expect(run(parseDecimal('M'), { M: '1 234,50' })).toEqual({ M: '1234.5' });
    expect(run(parseDecimal('M'), { M: 12.5 })).toEqual({ M: '12.5' });
    expect(run(parseDecimal('M'), { M: null })).toEqual({ M: null });
    const e = cleaningError(() => run(parseDecimal('M'), { M: 'douze' }));
    expect(e).toMatchObject({ code: 'CLEAN_UNPARSEABLE_DECIMAL', table: 'CLIENT', column: 'M', value: 'douze', reason: 'unparseable-decimal' });
  });
  it('never changes the amount of a well-formed French amount (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 99 }), (units, cents) => {
      const grouped = units.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
      const text = `${grouped},${String(cents).padStart(2, '0')}`;
      const expected = cents === 0 ? units.toString() : `${units}.${String(cents).padStart(2, '0')}`.replace(/0$/, '');
      expect(parseDecimalText(text)).toBe(expected);
    }));
  });
});

describe('applyCleaning', () => {
  it('composes steps in order', () => {
    const steps = [trim(), emptyToNull(), upper('C')].map(toStep);
    expect(applyCleaning(steps, { C: '  fr ', D: '   ' }, ctx)).toEqual({ C: 'FR', D: null });
  });
  it('wraps a failing custom step into a CleaningError naming table and step', () => {
    const custom = toStep(function splitName(): PlainRow { throw new TypeError('boom'); }, 0);
    const e = cleaningError(() => applyCleaning([custom], { A: 1 }, ctx));
    expect(e).toMatchObject({ step: 'custom:splitName', table: 'CLIENT', reason: 'step-failed', code: 'CLEAN_STEP_FAILED' });
    expect(e.message).toContain('boom');
  });
});

describe('toInstant', () => {
  it('interprets local date-times in legacy.timezone, across DST', () => {
    const step = toInstant('D');
    const paris = { table: 'FACTURE', timezone: 'Europe/Paris' };
    expect(step.apply({ D: '2024-01-15T10:00:00.000000' }, paris)).toEqual({ D: '2024-01-15T09:00:00.000000Z' });
    expect(step.apply({ D: '2024-07-15 10:00:00' }, paris)).toEqual({ D: '2024-07-15T08:00:00.000000Z' });
    expect(step.apply({ D: null }, paris)).toEqual({ D: null });
    expect(toInstant('D', { zone: 'UTC' }).apply({ D: '2024-07-15T10:00:00' }, ctx)).toEqual({ D: '2024-07-15T10:00:00.000000Z' });
  });
  it('without a zone, or on text that is not a date-time, it is an error', () => {
    expect(cleaningError(() => toInstant('D').apply({ D: '2024-01-15T10:00:00' }, ctx))).toMatchObject({ reason: 'no-timezone', column: 'D' });
    expect(cleaningError(() => toInstant('D', { zone: 'UTC' }).apply({ D: 'yesterday' }, ctx))).toMatchObject({ reason: 'not-a-timestamp' });
  });
});
