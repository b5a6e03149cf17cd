import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyParentsFirst } from '../../src/backfill/order.js';
import { backfillOrder, type NextTables } from '../../src/apply/next-tables.js';
import type { ResolvedConfig } from '../../src/config/types.js';

/**
 * The backfill's table order (`copyParentsFirst`): random tables with random `after` lists (cycles, self references,
 * names not in the backfill), random parallelism and random copy durations (fast-check's scheduler decides which
 * copy finishes when). Every table is copied exactly once, never more than `parallel` at a time; a table starts
 * before one of its listed parents is done only when nothing else was copying and no table was ready (the cycle
 * break), which never happens when the order has no cycle.
 */
const names = ['A', 'B', 'C', 'D', 'E', 'F'];

const setup = fc.integer({ min: 1, max: 6 }).chain((n) => fc.record({
  tables: fc.tuple(...names.slice(0, n).map((table) => fc.subarray([...names, 'X']).map((after) => ({ table, after })))),
  parallel: fc.integer({ min: 1, max: 3 }),
}));

/** Whether the `after` graph restricted to listed tables (self references ignored) has a cycle. */
function cyclic(tables: readonly { table: string; after: readonly string[] }[]): boolean {
  const listed = new Set(tables.map((t) => t.table));
  const deps = new Map(tables.map((t) => [t.table, t.after.filter((d) => listed.has(d) && d !== t.table)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string): boolean => {
    if (state.get(n) === 'done') return false;
    if (state.get(n) === 'visiting') return true;
    state.set(n, 'visiting');
    const c = deps.get(n)!.some(visit);
    state.set(n, 'done');
    return c;
  };
  return tables.some((t) => visit(t.table));
}

describe('copyParentsFirst', () => {
  it('copies every table once, bounded, parents first unless nothing else can run', async () => {
    await fc.assert(fc.asyncProperty(setup, fc.scheduler(), async ({ tables, parallel }, s) => {
      const listed = new Set(tables.map((t) => t.table));
      const done = new Set<string>();
      const started: string[] = [];
      let copying = 0, most = 0, breaks = 0;
      const run = copyParentsFirst(tables, parallel, async (t) => {
        const waiting = t.after.filter((d) => listed.has(d) && d !== t.table && !done.has(d));
        if (waiting.length > 0) {
          // allowed only as the cycle break: nothing copying, and no other waiting table was ready
          expect(copying).toBe(0);
          const ready = tables.filter((o) => !started.includes(o.table) && o.table !== t.table
            && o.after.every((d) => !listed.has(d) || d === o.table || done.has(d)));
          expect(ready).toEqual([]);
          breaks++;
        }
        started.push(t.table);
        most = Math.max(most, ++copying);
        await s.schedule(Promise.resolve(), `copy ${t.table}`);
        copying--;
        done.add(t.table);
        return true;
      }, () => false);
      await s.waitFor(run);
      expect([...started].sort()).toEqual(tables.map((t) => t.table).sort());
      expect(most).toBeLessThanOrEqual(parallel);
      if (!cyclic(tables)) expect(breaks).toBe(0);
    }), { numRuns: 300 });
  });

  it('starts no table after a failure, and rejects with it', async () => {
    const started: string[] = [];
    const tables = [{ table: 'A' }, { table: 'B', after: ['A'] }, { table: 'C' }];
    await expect(copyParentsFirst(tables, 1, async (t) => {
      started.push(t.table);
      if (t.table === 'A') throw new Error('boom');
      return true;
    }, () => false)).rejects.toThrow('boom');
    expect(started).toEqual(['A']);
  });

  it('a stopped table does not count as done: its children wait until nothing else runs', async () => {
    const started: string[] = [];
    let stop = false;
    const tables = [{ table: 'P' }, { table: 'C', after: ['P'] }];
    await copyParentsFirst(tables, 2, async (t) => { started.push(t.table); stop = true; return false; }, () => stop);
    expect(started).toEqual(['P']);
  });

  it('backfillOrder: a legacy table after the ones writing the next tables its next rows reference (billing shape)', () => {
    const config = { tables: {
      CLIENT: { schemas: { customers: {} } }, CONTRAT: { schemas: { contracts: {} } }, FACTURE: { schemas: { invoices: {} } },
      LIGNE_FACT: { schemas: { invoice_lines: {}, notes: {} } }, NOTE: { schemas: { notes: {} } },
    } } as unknown as Pick<ResolvedConfig, 'tables'>;
    const fk = (refTable: string) => ({ columns: ['x'], refTable, refColumns: ['id'] });
    const parents: Record<string, ReturnType<typeof fk>[]> = { customers: [], contracts: [fk('customers')], invoices: [fk('customers'), fk('contracts')], invoice_lines: [fk('invoices')], notes: [fk('notes')] };
    const tables = { byName: new Map(Object.entries(parents).map(([name, p]) => [name, { name, parents: p }])) } as unknown as NextTables;
    expect(Object.fromEntries(backfillOrder(config, tables))).toEqual({
      CLIENT: [], CONTRAT: ['CLIENT'], FACTURE: ['CLIENT', 'CONTRAT'],
      // two writers of notes (self reference of notes: the other writer is a parent, the table itself is not)
      LIGNE_FACT: ['FACTURE', 'NOTE'], NOTE: ['LIGNE_FACT'],
    });
  });
});
