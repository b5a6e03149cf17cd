/**
 * The Expecter's one-step row (all next columns given, nothing else) against the general walk's rules, written out
 * here as the model: a column the mapping leaves out is not compared (a key column is NULL), a value that does not
 * convert strictly (`fromPlain`) is a write failure, a key next does not have is a failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ColumnInfo, TableInfo } from '../../src/backends/types.js';
import type { ResolvedTable } from '../../src/config/types.js';
import { fromPlain } from '../../src/values/plain.js';
import type { Row } from '../../src/values/index.js';
import { Expecter } from '../../src/verify/expected.js';
import { columnsComparator, columnsEqual } from '../../src/verify/compare.js';

const columns: ColumnInfo[] = [
  { name: 'id', type: 'int', nativeType: 'bigint', nullable: false },
  { name: 'a', type: 'text', nativeType: 'text', nullable: true },
  { name: 'b', type: 'dec', nativeType: 'numeric', nullable: true },
  { name: 'd', type: 'lts', nativeType: 'timestamp', nullable: true },
  { name: 'e', type: 'date', nativeType: 'date', nullable: true },
];
const info: TableInfo = { name: 't', columns, primaryKey: ['id'], uniqueKeys: [] };

function model(plain: Record<string, unknown>): { ok: true; row: Row; columns: string[] } | { ok: false } {
  const row: Row = {};
  const cols: string[] = [];
  let failed = false;
  for (const c of columns) {
    const has = Object.prototype.hasOwnProperty.call(plain, c.name) && plain[c.name] !== undefined;
    if (!has && c.name !== 'id') continue;
    try { row[c.name] = fromPlain(has ? plain[c.name] : null, c.type); } catch { failed = true; }
    cols.push(c.name);
  }
  if (Object.keys(plain).some((k) => !columns.some((c) => c.name === k))) failed = true;
  return failed ? { ok: false } : { ok: true, row, columns: cols };
}

const value = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.integer({ min: -1000, max: 1000 }), fc.double(), fc.boolean(),
  fc.constantFrom('x', '', '12.50', '-0', '007', '2024-02-29', '2023-02-29', '2024-01-02T03:04:05', '2024-01-02 03:04:05.123', 'no'),
  fc.string({ maxLength: 6 }),
);

describe('Expecter', () => {
  it('gives what the general rules give, whether or not the mapping gave exactly the next columns (property)', () => {
    fc.assert(fc.property(
      fc.dictionary(fc.constantFrom('id', 'a', 'b', 'd', 'e', 'extra', 'constructor'), value, { maxKeys: 7 }).map((p) => (Object.keys(p).length < 3 ? { id: 1, a: 'x', b: '1.5', d: '2024-01-02T03:04:05', e: '2024-01-02', ...p } : p)),
      fc.boolean(),
      (plain, inherit) => {
        // a mapping may return an object whose prototype holds values: those are not given columns
        const given = inherit ? Object.assign(Object.create({ a: 'inherited', b: '1' }) as object, plain) : plain;
        const table: ResolvedTable = { name: 'T', key: ['id'], clean: [], nextKeys: {}, to: () => ({ t: [given] }), schemas: { t: z.any() } };
        const got = new Expecter(table, new Map([['t', { info, key: ['id'] }]]), undefined).expect({});
        const want = model(given as Record<string, unknown>);
        expect(got.ok).toBe(want.ok);
        if (got.ok && want.ok) {
          expect(got.rows).toHaveLength(1);
          expect(got.rows[0]!.row).toEqual(want.row);
          expect(Object.keys(got.rows[0]!.row)).toEqual(Object.keys(want.row));
          expect(got.rows[0]!.columns).toEqual(want.columns);
          expect(got.rows[0]!.key).toEqual([want.row.id ?? null]);
        }
      },
    ), { numRuns: 2000 });
  });
});

describe('columnsComparator', () => {
  it('answers as columnsEqual for its column list (property)', () => {
    const v = fc.oneof(fc.constant(null), fc.constant(undefined), fc.constantFrom('x', 'y', ''), fc.integer({ min: -3, max: 3 }).map((n) => fromPlain(n, 'int')), fc.constantFrom('1.5', '1.50', '2').map((d) => fromPlain(d, 'dec')));
    const names = fc.constantFrom('id', 'a', 'b', '__proto__', 'constructor', '"q"', 'x y');
    fc.assert(fc.property(fc.uniqueArray(names, { maxLength: 5 }), fc.dictionary(names, v), fc.dictionary(names, v), (cols, e, a) => {
      expect(columnsComparator(cols)(e as Row, a as Row)).toBe(columnsEqual(e as Row, a as Row, cols));
      expect(columnsComparator(cols)(e as Row, e as Row)).toBe(true);
    }), { numRuns: 2000 });
  });
});
