import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/backends/types.js';
import type { ApplyItem } from '../../src/apply/types.js';
import { change, harness, item, rows, type Harness } from './support.js';

/**
 * Convergence under at-least-once delivery: random sequences of inserts, updates and deletes per legacy key (with
 * multi-table rows whose set changes, and key-changing updates), delivered in batches in order, with whole batches
 * delivered again later and single old changes redelivered. After all of it, next == to(final legacy) for every key,
 * read by plain SQL.
 */
const DIALECTS: readonly Dialect[] = ['postgres', 'sqlite'];

type Op = { key: number; kind: 'write' | 'delete' | 'rekey'; qty: number; tags: string };
const opArb = fc.record({
  key: fc.integer({ min: 0, max: 4 }),
  kind: fc.constantFrom<'write' | 'delete' | 'rekey'>('write', 'write', 'write', 'delete', 'rekey'),
  qty: fc.integer({ min: 0, max: 99 }),
  tags: fc.subarray(['a', 'b', 'c', 'd']).map((t) => t.join(',')),
});

describe.each(DIALECTS)('apply converges to to(legacy) on %s', (dialect) => {
  let h: Harness;
  let run = 0;
  beforeAll(async () => { h = await harness(dialect); });
  afterAll(async () => { await h?.close(); });

  it('random histories, batches, duplicates and redeliveries', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 40, maxLength: 40 }),
      fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
      async (ops, sizes, redeliver) => {
        const base = ++run * 1000;
        let position = base * 1000;
        // legacy: key → current image; history of captured changes
        const legacy = new Map<number, { qty: number; tags: string }>();
        const history: ApplyItem[] = [];
        for (const op of ops as Op[]) {
          const id = base + op.key;
          const cur = legacy.get(id);
          position += 1;
          if (!cur) {
            if (op.kind === 'delete') continue;
            legacy.set(id, { qty: op.qty, tags: op.tags });
            history.push(item(change('I', 'insert', id, position, { id, name: `n${op.qty}`, qty: op.qty, tags: op.tags })));
          } else if (op.kind === 'delete') {
            legacy.delete(id);
            history.push(item(change('I', 'delete', id, position, null, { id, name: `n${cur.qty}`, qty: cur.qty, tags: cur.tags })));
          } else if (op.kind === 'rekey' && !legacy.has(id + 5)) {
            legacy.delete(id);
            legacy.set(id + 5, { qty: op.qty, tags: op.tags });
            history.push(item(change('I', 'update', id + 5, position, { id: id + 5, name: `n${op.qty}`, qty: op.qty, tags: op.tags }, { id, name: `n${cur.qty}`, qty: cur.qty, tags: cur.tags })));
          } else {
            legacy.set(id, { qty: op.qty, tags: op.tags });
            history.push(item(change('I', 'update', id, position, { id, name: `n${op.qty}`, qty: op.qty, tags: op.tags }, { id, name: `n${cur.qty}`, qty: cur.qty, tags: cur.tags })));
          }
        }
        // batches in order; after some, an earlier batch again, or one old change alone (at-least-once)
        const batches: ApplyItem[][] = [];
        for (let i = 0, b = 0; i < history.length; b++) { const n = sizes[b % sizes.length]!; batches.push(history.slice(i, i + n)); i += n; }
        for (const [b, batch] of batches.entries()) {
          await h.applier.apply(batch);
          const r = redeliver[b % redeliver.length]!;
          if (r % 3 === 0) await h.applier.apply(batches[r % (b + 1)]!);
          if (r % 5 === 1 && history.length > 0) await h.applier.apply([history[r % history.length]!]);
        }
        await h.applier.apply(batches[0]!); // the very first batch once more, at the end
        const inRun = (id: unknown) => Number(id) >= base && Number(id) < base + 1000;
        const items = (await rows(h.next, 'items')).filter((r) => inRun(r.id));
        const tags = (await rows(h.next, 'item_tags', 'item_id, tag')).filter((r) => inRun(r.item_id));
        const want = [...legacy].sort((a, b) => a[0] - b[0]);
        expect(items).toEqual(want.map(([id, v]) => ({ id, name: `n${v.qty}`, qty: v.qty })));
        expect(tags).toEqual(want.flatMap(([id, v]) => v.tags.split(',').filter(Boolean).sort().map((tag) => ({ item_id: id, tag }))));
      }), { numRuns: 30 });
  }, 120_000);
});
