import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { int, compareKeys, keyToText, type Row, type Value } from '../../src/values/index.js';
import { drain, mergeWith, NextCursor } from '../../src/verify/next-cursor.js';
import type { OwnKeyset } from '../../src/verify/own-keyset.js';
import { VerifyOrderError } from '../../src/verify/errors.js';

/** An in-memory keyset over sorted rows: the page contract of OwnKeyset (key > after, in key order, limit). */
function memoryKeyset(rows: readonly Row[]): OwnKeyset {
  return {
    page: async (after: readonly Value[] | null, limit: number) =>
      rows.filter((r) => after === null || compareKeys([r.id!], after) > 0).slice(0, limit),
  } as unknown as OwnKeyset;
}

describe('merge join of expected rows with next rows', () => {
  it('finds exactly the set differences and intersection, whatever the chunking and page size (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { maxLength: 60 }),
      fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { maxLength: 60 }),
      fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }),
      async (expectedIds, nextIds, pageSize, chunk) => {
        const sort = (xs: number[]) => [...xs].sort((a, b) => a - b);
        const next = sort(nextIds).map((id) => ({ id: int(id) }) as Row);
        const cursor = new NextCursor(memoryKeyset(next), ['id'], pageSize);
        const expected = sort(expectedIds).map((id) => [int(id)] as Value[]);
        const present: string[] = [], missing: string[] = [], extras: Row[] = [];
        for (let i = 0; i < expected.length; i += chunk) {
          const part = expected.slice(i, i + chunk);
          await mergeWith(part, cursor, extras, (j, actual) => {
            if (actual) expect(keyToText([actual.id!])).toBe(keyToText(part[j]!));
            (actual ? present : missing).push(keyToText(part[j]!));
          });
        }
        await drain(cursor, extras, Number.MAX_SAFE_INTEGER);
        const e = new Set(expectedIds), n = new Set(nextIds);
        const text = (xs: number[]) => sort(xs).map((x) => keyToText([int(x)]));
        expect(present).toEqual(text(expectedIds.filter((x) => n.has(x))));
        expect(missing).toEqual(text(expectedIds.filter((x) => !n.has(x))));
        expect(extras.map((r) => keyToText([r.id!]))).toEqual(text(nextIds.filter((x) => !e.has(x))));
        expect(cursor.read).toBe(nextIds.length);
      },
    ), { numRuns: 300 });
  });

  it('refuses next keys out of code-point order inside a page (the merge join would miss rows silently)', async () => {
    const rows = [1, 3, 2, 4].map((id) => ({ id: int(id) }) as Row);
    const unordered = { page: async (after: readonly Value[] | null) => (after === null ? rows : []) } as unknown as OwnKeyset;
    const cursor = new NextCursor(unordered, ['id'], 10);
    const seen: string[] = [];
    await expect(mergeWith([[int(1)], [int(2)], [int(3)]], cursor, [], (j) => { seen.push(String(j)); })).rejects.toBeInstanceOf(VerifyOrderError);
    expect(seen).toEqual([]);
  });
});
