import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerCache } from '../../src/gateway/owner/ledger-cache.js';
import { openStateStore } from '../../src/state/open.js';
import type { LedgerUpsert, StateStore } from '../../src/state/types.js';
import { sortableCounter } from '../../src/state/version-order.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { metricValue } from './support/raw.js';

const line = (key: string, version: number, state: LedgerUpsert['state'] = 'copied'): LedgerUpsert =>
  ({ entity: 'customer', key, state, version: sortableCounter(version), origin: 'aspire' });

describe('the gateway ledger cache', () => {
  let db: FreshDatabase;
  let store: StateStore;
  beforeAll(async () => { db = await freshDatabase('sqlite', 'siphon_cache'); store = await openStateStore(db.url); });
  afterAll(async () => { await store?.close(); await db?.drop(); });

  it('keeps only entities out of legacy, and at most maxEntries of them (the rest counted, treated as legacy)', async () => {
    await store.upsertLedger([line('a', 1), line('b', 1, 'legacy'), line('c', 1, 'verified'), line('d', 1), line('e', 1)]);
    const before = await metricValue('siphon_gateway_ledger_cache_overflow_total', {});
    const cache = await LedgerCache.start(store, { pollMs: 10_000, maxEntries: 3, pageSize: 2 });
    try {
      expect(cache.size).toBe(3);
      expect(['a', 'b', 'c', 'd', 'e'].map((k) => cache.stateOf('customer', k))).toEqual(['copied', undefined, 'verified', 'copied', undefined]);
      expect(await metricValue('siphon_gateway_ledger_cache_overflow_total', {})).toBe(before + 1);
      // an entity going back to legacy frees its place
      await store.upsertLedger([line('a', 2, 'legacy'), line('e', 2)]);
      await cache.refresh();
      expect(cache.stateOf('customer', 'a')).toBeUndefined();
      expect(cache.stateOf('customer', 'e')).toBe('copied');
      expect(cache.size).toBe(3);
    } finally { await cache.close(); }
  });

  it('trusts `copied` only from aspire: capture or backfill may have moved part of an entity, not all of it', async () => {
    const part = (key: string, version: number, origin: 'capture' | 'backfill' | 'aspire', state: LedgerUpsert['state'] = 'copied'): LedgerUpsert =>
      ({ entity: 'customer', key, state, version: sortableCounter(version), origin });
    await store.upsertLedger([part('p1', 1, 'capture'), part('p2', 1, 'backfill'), part('p3', 1, 'aspire'), part('p4', 1, 'capture', 'quarantined')]);
    const cache = await LedgerCache.start(store, { pollMs: 10_000 });
    try {
      expect(['p1', 'p2', 'p3', 'p4'].map((k) => cache.stateOf('customer', k))).toEqual([undefined, undefined, 'copied', 'quarantined']);
      // a whole entity stays whole through later captured changes; a quarantined one whose rows moved on gets another chance
      await store.upsertLedger([part('p3', 2, 'capture'), part('p4', 2, 'capture'), part('p1', 2, 'aspire')]);
      await cache.refresh();
      expect(['p1', 'p3', 'p4'].map((k) => cache.stateOf('customer', k))).toEqual(['copied', 'copied', undefined]);
    } finally { await cache.close(); }
  });

  it('a first-hand note is not undone by a feed read that started before it, but is by a later one', async () => {
    // the real store behind a gate: the read is taken, then held while the note happens
    let hold: Promise<void> | undefined;
    const gated = { ledgerChanges: async (q: Parameters<StateStore['ledgerChanges']>[0]) => { const p = await store.ledgerChanges(q); await hold; return p; } };
    await store.upsertLedger([line('n1', 1, 'legacy')]);
    const cache = await LedgerCache.start(gated, { pollMs: 10_000 });
    try {
      await store.upsertLedger([line('n1', 2, 'quarantined')]);
      let open!: () => void;
      hold = new Promise((r) => { open = r; });
      const reading = cache.refresh();
      await new Promise((r) => setTimeout(r, 50)); // let the read reach the store (a later note wins either way)
      cache.note('customer', 'n1', 'copied');
      open();
      await reading;
      expect(cache.stateOf('customer', 'n1')).toBe('copied');
      hold = undefined;
      await store.upsertLedger([line('n1', 3, 'legacy')]);
      await cache.refresh(); // started after the note: the ledger wins
      expect(cache.stateOf('customer', 'n1')).toBeUndefined();
    } finally { await cache.close(); }
  });

  it('keeps answering from what it has when the store cannot be read, and counts the failures', async () => {
    const other = await openStateStore(db.url);
    await other.upsertLedger([line('kept', 1)]);
    const cache = await LedgerCache.start(other, { pollMs: 5 });
    const before = await metricValue('siphon_gateway_ledger_cache_errors_total', {});
    await other.close();
    try {
      for (let i = 0; i < 200 && (await metricValue('siphon_gateway_ledger_cache_errors_total', {})) === before; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await metricValue('siphon_gateway_ledger_cache_errors_total', {})).toBeGreaterThan(before);
      expect(cache.stateOf('customer', 'kept')).toBe('copied');
    } finally { await cache.close(); }
  });
});
