import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { changes, LOG_ENGINES, LogFactory, readAll } from './logs.js';

// Retention as a property: whatever the appends, consumer moves (forward or rewound, as replay does), registrations
// and prunes, every entry after any consumer's checkpoint is still there, in order.
describe.each(LOG_ENGINES)('retention property on %s', (engine) => {
  const f = new LogFactory(engine);
  afterEach(() => f.closeOpened());
  afterAll(() => f.dropAll());

  it('never deletes an entry some consumer has not passed', async () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('append' as const), n: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ t: fc.constant('move' as const), who: fc.constantFrom('a', 'b', 'c'), to: fc.nat() }),
      fc.record({ t: fc.constant('prune' as const) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
      const { log } = await f.fresh();
      const offsets: string[] = [];
      const cps = new Map<string, string | null>();
      let prunedUpTo: string | null = null;
      let id = 0;
      for (const o of ops) {
        if (o.t === 'append') { offsets.push(...(await log.append(changes(id, o.n))).offsets); id += o.n; continue; }
        if (o.t === 'move') {
          if (offsets.length === 0) continue;
          const next = offsets[o.to % offsets.length]!;
          const first = (await log.stats()).firstOffset;
          if (first !== null && log.compareOffsets(next, first) < 0) continue; // a rewind below what is kept is refused by replay
          // (once retention emptied the log there is no first offset: what was pruned is the bound)
          if (prunedUpTo !== null && log.compareOffsets(next, prunedUpTo) < 0) continue;
          await log.commit(o.who, cps.get(o.who) ?? null, next);
          cps.set(o.who, next);
          continue;
        }
        const pruned = await log.applyRetention({ maxAgeMs: 0, now: new Date(Date.now() + 60_000) });
        if (pruned.upTo !== null && (prunedUpTo === null || log.compareOffsets(pruned.upTo, prunedUpTo) > 0)) prunedUpTo = pruned.upTo;
        for (const [, cp] of cps) {
          const expected = cp === null ? offsets : offsets.filter((x) => log.compareOffsets(x, cp) > 0);
          const after = (await readAll(log, cp, 50)).map((e) => e.offset);
          expect(after).toEqual(expected);
        }
      }
    }), { numRuns: engine === 'sqlite' ? 30 : 8 });
  });
});
