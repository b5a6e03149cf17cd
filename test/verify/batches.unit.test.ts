/**
 * verifyTable end to end over in-memory tables (the keyset contract of OwnKeyset), whatever the chunk size and the
 * mapping batches inside a chunk (MAP_BATCH): every planted difference is found — a row missing in next, a value
 * altered in either column, an extra next row, a legacy row that does not map — and nothing else is reported.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ColumnInfo, TableInfo } from '../../src/backends/types.js';
import type { ResolvedTable } from '../../src/config/types.js';
import { compareKeys, int, keyToText, type Row, type Value } from '../../src/values/index.js';
import { Expecter } from '../../src/verify/expected.js';
import type { OwnKeyset } from '../../src/verify/own-keyset.js';
import { NO_SETTLE } from '../../src/verify/settle.js';
import type { TablePlan } from '../../src/verify/table-plan.js';
import { RateThrottle } from '../../src/verify/throttle.js';
import { MAP_BATCH, NO_QUARANTINE, verifyTable } from '../../src/verify/verify-table.js';

const col = (name: string, type: ColumnInfo['type']): ColumnInfo => ({ name, type, nativeType: type, nullable: name !== 'id' });
const info = (name: string): TableInfo => ({ name, columns: [col('id', 'int'), col('a', 'text'), col('b', 'int')], primaryKey: ['id'], uniqueKeys: [] });

/** Rows in key order, paged like OwnKeyset (key > after, limit), looked up by key like its byKeys. */
function memoryKeyset(rows: readonly Row[]): OwnKeyset {
  const sorted = [...rows].sort((x, y) => compareKeys([x.id!], [y.id!]));
  return {
    lastPageMs: 0,
    count: async () => sorted.length,
    countNullKeys: async () => 0,
    page: async (after: readonly Value[] | null, limit: number) => sorted.filter((r) => after === null || compareKeys([r.id!], after) > 0).slice(0, limit),
    byKeys: async (keys: readonly (readonly Value[])[]) => {
      const want = new Set(keys.map(keyToText));
      return sorted.filter((r) => want.has(keyToText([r.id!])));
    },
  } as unknown as OwnKeyset;
}

/** legacy T(id, a, b) → next t(id, a, b); a row whose `a` is 'bad' fails the schema (apply would quarantine it). */
const table: ResolvedTable = {
  name: 'T', key: ['id'], clean: [], nextKeys: {},
  to: (r) => { const x = r as { id: number; a: string | null; b: number | null }; return { t: [{ id: x.id, a: x.a, b: x.b }] }; },
  schemas: { t: z.object({ id: z.number().int(), a: z.string().refine((s) => s !== 'bad').nullable(), b: z.number().int().nullable() }).strict() },
};

type Fault = 'ok' | 'drop' | 'alterA' | 'alterB';

describe('verifyTable finds every planted difference and invents none (property)', () => {
  it('whatever the chunk size, across mapping batches', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: -40, max: 400 }), { maxLength: 320 }),
      fc.infiniteStream(fc.record({
        a: fc.constantFrom('x', 'y', 'bad', null), b: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
        fault: fc.constantFrom<Fault>('ok', 'ok', 'ok', 'ok', 'drop', 'alterA', 'alterB'),
      })),
      fc.uniqueArray(fc.integer({ min: -60, max: 420 }), { maxLength: 40 }),
      fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: MAP_BATCH - 2, max: 3 * MAP_BATCH + 5 })),
      async (ids, attrs, extraIds, chunk) => {
        const legacy: Row[] = [], next: Row[] = [];
        const want = { matched: 0, missing: [] as string[], mismatched: [] as string[], extra: [] as string[], unmapped: 0 };
        const it = attrs[Symbol.iterator]();
        for (const id of ids) {
          const { a, b, fault } = it.next().value!;
          legacy.push({ id: int(id), a, b: b === null ? null : int(b) });
          if (a === 'bad') { want.unmapped++; continue; }
          const k = keyToText([int(id)]);
          if (fault === 'drop') { want.missing.push(k); continue; }
          if (fault === 'ok') want.matched++; else want.mismatched.push(`${k}:${fault === 'alterA' ? 'a' : 'b'}`);
          next.push({ id: int(id), a: fault === 'alterA' ? `${a ?? ''}!` : a, b: fault === 'alterB' ? int((b ?? 0) + 100) : b === null ? null : int(b) });
        }
        const legacyIds = new Set(ids);
        for (const id of extraIds) {
          if (legacyIds.has(id)) continue;
          next.push({ id: int(id), a: 'x', b: null });
          want.extra.push(keyToText([int(id)]));
        }
        const targets = new Map([['t', { info: info('t'), key: ['id'], keyset: memoryKeyset(next) }]]);
        const plan: TablePlan = { table, legacy: memoryKeyset(legacy), legacyInfo: info('T'), expecter: new Expecter(table, targets, undefined), targets };
        const r = await verifyTable(plan, { chunkSize: chunk, throttle: new RateThrottle(), settler: NO_SETTLE, quarantined: NO_QUARANTINE, maxReported: 10_000 });

        const sorted = (xs: string[]) => [...xs].sort();
        const found = (kind: string) => r.differences.filter((d) => d.kind === kind);
        const keyOf = (d: { key: Record<string, unknown> }) => keyToText([int(String(d.key.id))]);
        expect(sorted(found('missing').map(keyOf))).toEqual(sorted(want.missing));
        expect(sorted(found('mismatched').map((d) => `${keyOf(d)}:${d.columns.map((c) => c.column).join(',')}`))).toEqual(sorted(want.mismatched));
        expect(sorted(found('extra').map(keyOf))).toEqual(sorted(want.extra));
        expect(r.counts).toMatchObject({
          legacyRows: ids.length, matched: want.matched, missing: want.missing.length, mismatched: want.mismatched.length,
          extra: want.extra.length, unmapped: want.unmapped, quarantined: 0, nextRows: next.length,
        });
        const clean = want.missing.length + want.mismatched.length + want.extra.length + want.unmapped === 0;
        expect(r.verdict).toBe(clean ? 'match' : 'differences');
      },
    ), { numRuns: 150 });
  });

  it('a mapping giving one next key to two legacy rows: the first is compared, the second does not map, across batches', async () => {
    // next id = floor(id / 2): legacy 2k and 2k+1 give the same next key, wherever the batch or chunk boundary falls
    const halve: ResolvedTable = { ...table, to: (r) => { const x = r as { id: number; a: string | null; b: number | null }; return { t: [{ id: Math.floor(x.id / 2), a: x.a, b: x.b }] }; } };
    for (const chunk of [1, 7, MAP_BATCH - 1, MAP_BATCH, MAP_BATCH + 1, 1000]) {
      const legacy: Row[] = [], next: Row[] = [];
      for (let id = 0; id < 2 * MAP_BATCH + 10; id++) {
        legacy.push({ id: int(id), a: 'x', b: int(id) });
        if (id % 2 === 0) next.push({ id: int(id / 2), a: 'x', b: int(id) });
      }
      const targets = new Map([['t', { info: info('t'), key: ['id'], keyset: memoryKeyset(next) }]]);
      const plan: TablePlan = { table: halve, legacy: memoryKeyset(legacy), legacyInfo: info('T'), expecter: new Expecter(halve, targets, undefined), targets };
      const r = await verifyTable(plan, { chunkSize: chunk, throttle: new RateThrottle(), settler: NO_SETTLE, quarantined: NO_QUARANTINE });
      expect(r.verdict, `chunk ${chunk}: ${r.notes.join('; ')}`).not.toBe('inconclusive');
      expect(r.counts.matched, `chunk ${chunk}`).toBe(legacy.length / 2);
      expect(r.counts.matched + r.counts.unmapped + r.counts.mismatched, `chunk ${chunk}`).toBe(legacy.length);
    }
  });
});
