import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitRecord } from '../../src/capture/decode/pg-record.js';

/** record_out's rules: NULL is an empty field; "" and text with quotes, backslashes, separators or spaces is quoted. */
function recordOut(fields: (string | null)[]): string {
  return `(${fields.map((f) => {
    if (f === null) return '';
    if (f === '' || /["\\(),\s]/.test(f)) return `"${f.replace(/["\\]/g, (c) => c + c)}"`;
    return f;
  }).join(',')})`;
}

describe('splitRecord (PostgreSQL row text form)', () => {
  it('gives back every field of any row, NULL and empty text kept apart', () => {
    fc.assert(fc.property(fc.array(fc.option(fc.string({ unit: 'binary' }), { nil: null }), { minLength: 1, maxLength: 8 }), (fields) => {
      expect(splitRecord(recordOut(fields))).toEqual(fields);
    }), { numRuns: 2000 });
  });
  it('reads what PostgreSQL writes', () => {
    expect(splitRecord('(1,,"","a ""b"" \\\\c","{1,2}",t)')).toEqual(['1', null, '', 'a "b" \\c', '{1,2}', 't']);
    expect(splitRecord('(,)')).toEqual([null, null]);
    expect(() => splitRecord('1,2')).toThrow(/not a row/);
  });
});
