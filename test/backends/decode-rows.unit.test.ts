/** The generated row builders of `decodeRows` give exactly what the general loop gives, whatever the column names. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRows, type TextDecoder } from '../../src/backends/sql/decode-rows.js';
import type { Row } from '../../src/values/value.js';

function general(rows: readonly (string | null)[][], names: readonly string[], decoders: readonly TextDecoder[]): Row[] {
  return rows.map((vals) => {
    const row: Row = {};
    names.forEach((n, i) => { row[n] = decoders[i]!(vals[i] ?? null); });
    return row;
  });
}

describe('decodeRows', () => {
  it('builds the same rows as a keyed store per column: order, values, prototype (property)', () => {
    const name = fc.oneof(fc.constantFrom('id', 'a', '__proto__', 'constructor', '1', '0', '', 'x"y', "x'y", 'x\\y', 'é', '\u2028'), fc.string({ maxLength: 4 }));
    fc.assert(fc.property(
      fc.array(name, { minLength: 1, maxLength: 6 }),
      fc.array(fc.array(fc.option(fc.string({ maxLength: 5 }), { nil: null }), { maxLength: 7 }), { maxLength: 5 }),
      (names, rows) => {
        const decoders: TextDecoder[] = names.map((_, i) => (t) => (t === null ? null : i % 2 === 0 ? t : { t: 'int', v: String(t.length) }));
        const got = decodeRows(rows, names, decoders), want = general(rows, names, decoders);
        expect(got).toEqual(want);
        got.forEach((r, i) => {
          expect(Object.keys(r)).toEqual(Object.keys(want[i]!));
          expect(Object.getPrototypeOf(r)).toEqual(Object.getPrototypeOf(want[i]!));
        });
      },
    ), { numRuns: 3000 });
  });
});
