import { afterAll, describe, expect, it } from 'vitest';
import { openAspireFlights } from '../../src/state/aspire/open.js';
import type { AspireFlightStore } from '../../src/state/aspire/types.js';
import { openStateStore } from '../../src/state/open.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';

/** The single-flight claims of aspire (migration 40) on both state store engines, two handles = two processes. */
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`aspire flights (${dialect})`, () => {
    const dbs: FreshDatabase[] = [];
    const opened: AspireFlightStore[] = [];
    afterAll(async () => { for (const f of opened) await f.close().catch(() => undefined); for (const d of dbs) await d.drop(); });
    const two = async () => {
      const d = await freshDatabase(dialect, 'aspire_flights'); dbs.push(d);
      await (await openStateStore(d.url)).close();
      const a = await openAspireFlights(d.url), b = await openAspireFlights(d.url);
      opened.push(a, b);
      return [a, b] as const;
    };

    it('one claim wins; the other sees it running; finish settles it; a migrated line is claimed again only when asked', async () => {
      const [a, b] = await two();
      const ca = await a.claim({ entity: 'customer', key: 'int:1', owner: 'A', leaseMs: 60_000, trigger: 'gateway' });
      const cb = await b.claim({ entity: 'customer', key: 'int:1', owner: 'B', leaseMs: 60_000, trigger: 'cli' });
      expect([ca.claimed, cb.claimed]).toEqual([true, false]);
      expect(cb.record).toMatchObject({ state: 'running', owner: 'A', trigger: 'gateway', attempts: 1 });
      expect(await b.finish({ entity: 'customer', key: 'int:1', owner: 'B', state: 'migrated', rows: 3, version: 'v1', result: {} })).toBe(false);
      expect(await a.finish({ entity: 'customer', key: 'int:1', owner: 'A', state: 'migrated', rows: 3, version: 'v1', result: { rows: 3 } })).toBe(true);
      expect(await b.get('customer', 'int:1')).toMatchObject({ state: 'migrated', rows: 3, version: 'v1', result: { rows: 3 } });
      expect((await b.claim({ entity: 'customer', key: 'int:1', owner: 'B', leaseMs: 60_000, trigger: 'cli' })).claimed).toBe(false);
      expect((await b.claim({ entity: 'customer', key: 'int:1', owner: 'B', leaseMs: 60_000, trigger: 'cli', evenIfMigrated: true })).claimed).toBe(true);
    });

    it('claims and finishes in one call each: per key as claim/finish would answer, a key given twice claimed once', async () => {
      const [a, b] = await two();
      await b.claim({ entity: 'c', key: 'held', owner: 'B', leaseMs: 60_000, trigger: 'api' });
      await a.claim({ entity: 'c', key: 'done', owner: 'A', leaseMs: 60_000, trigger: 'api' });
      await a.finish({ entity: 'c', key: 'done', owner: 'A', state: 'migrated', rows: 1, version: 'v0', result: {} });
      await a.claim({ entity: 'c', key: 'again', owner: 'A', leaseMs: 60_000, trigger: 'api' });
      await a.finish({ entity: 'c', key: 'again', owner: 'A', state: 'migrated', rows: 1, version: 'v0', result: {} });
      const got = await a.claimMany([
        { entity: 'c', key: 'new', owner: 'A', leaseMs: 60_000, trigger: 'gateway' },
        { entity: 'c', key: 'held', owner: 'A', leaseMs: 60_000, trigger: 'gateway' },
        { entity: 'c', key: 'done', owner: 'A', leaseMs: 60_000, trigger: 'gateway' },
        { entity: 'c', key: 'again', owner: 'A', leaseMs: 60_000, trigger: 'gateway', evenIfMigrated: true },
        { entity: 'c', key: 'new', owner: 'A', leaseMs: 60_000, trigger: 'gateway' },
      ]);
      expect(got.map((g) => [g.claimed, g.record.key, g.record.state, g.record.owner])).toEqual([
        [true, 'new', 'running', 'A'], [false, 'held', 'running', 'B'], [false, 'done', 'migrated', 'A'], [true, 'again', 'running', 'A'], [false, 'new', 'running', 'A'],
      ]);
      expect(await a.finishMany([
        { entity: 'c', key: 'new', owner: 'A', state: 'migrated', rows: 2, version: 'v1', result: { rows: 2 } },
        { entity: 'c', key: 'held', owner: 'A', state: 'migrated', rows: 2, version: 'v1', result: {} },
        { entity: 'c', key: 'again', owner: 'A', state: 'quarantined', rows: 0, version: 'v1', result: { failed: [] } },
      ])).toEqual([true, false, true]);
      expect(await b.get('c', 'new')).toMatchObject({ state: 'migrated', rows: 2, version: 'v1', result: { rows: 2 } });
      expect(await b.get('c', 'held')).toMatchObject({ state: 'running', owner: 'B' });
      expect(await b.get('c', 'again')).toMatchObject({ state: 'quarantined' });
    });

    it('an expired lease is taken over; release gives back what an owner holds; failed and quarantined lines are claimed again', async () => {
      const [a, b] = await two();
      expect((await a.claim({ entity: 'e', key: 'k', owner: 'A', leaseMs: -1, trigger: 'api' })).claimed).toBe(true);
      expect((await b.claim({ entity: 'e', key: 'k', owner: 'B', leaseMs: 60_000, trigger: 'api' })).claimed).toBe(true);
      expect(await a.finish({ entity: 'e', key: 'k', owner: 'A', state: 'migrated', rows: 1, version: null, result: {} })).toBe(false);
      expect(await b.release('B')).toBe(1);
      expect(await a.get('e', 'k')).toMatchObject({ state: 'failed', attempts: 2 });
      expect((await a.claim({ entity: 'e', key: 'k', owner: 'A', leaseMs: 60_000, trigger: 'api' })).claimed).toBe(true);
      await a.finish({ entity: 'e', key: 'k', owner: 'A', state: 'quarantined', rows: 0, version: 'v', result: { failed: [] } });
      expect((await b.claim({ entity: 'e', key: 'k', owner: 'B', leaseMs: 60_000, trigger: 'api' })).claimed).toBe(true);
    });

    it('requests queue once, are listed for the serving process, and wake a subscriber of another handle', async () => {
      const [a, b] = await two();
      const seen: string[] = [];
      const unsub = b.subscribe((e) => seen.push(`${e.state}:${e.key}`));
      if (dialect === 'postgres') await new Promise((r) => setTimeout(r, 300)); // LISTEN in place
      const r1 = await a.request({ entity: 'customer', key: 'int:7', plainKey: '7', trigger: 'cli', actor: 'x' });
      const r2 = await a.request({ entity: 'customer', key: 'int:7', plainKey: '7', trigger: 'cli' });
      expect([r1.created, r2.created]).toEqual([true, false]);
      expect((await b.queued(10)).map((q) => [q.key, q.result])).toEqual([['int:7', { request: { key: '7' } }]]);
      expect((await b.claim({ entity: 'customer', key: 'int:7', owner: 'B', leaseMs: 60_000, trigger: 'cli', actor: 'x' })).claimed).toBe(true);
      expect(await b.queued(10)).toEqual([]);
      await b.finish({ entity: 'customer', key: 'int:7', owner: 'B', state: 'migrated', rows: 2, version: 'v', result: { rows: 2 } });
      expect((await a.request({ entity: 'customer', key: 'int:7', plainKey: '7', trigger: 'cli' })).record.state).toBe('migrated');
      for (let i = 0; i < 100 && !seen.includes('migrated:int:7'); i++) await new Promise((r) => setTimeout(r, 20));
      unsub();
      expect(seen).toContain('queued:int:7');
      expect(seen).toContain('migrated:int:7');
    });
  });
}
