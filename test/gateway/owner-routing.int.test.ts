import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerCache } from '../../src/gateway/owner/ledger-cache.js';
import { OwnerRouter } from '../../src/gateway/owner/owner-router.js';
import type { RouteSpec } from '../../src/gateway/routing/route.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { sortableCounter } from '../../src/state/version-order.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { REFUSED_PORT } from '../support/refused-port.js';
import { TestAspirer } from './support/test-aspirer.js';
import { startUpstream, type TestUpstream } from './support/upstream.js';

// Owner routing against a real ledger in a real state store (both adapters): the gateway's cache follows the
// store's change feed, the router decides per entity, and the answer says which side served it and why.
const ROUTES: RouteSpec[] = [
  { id: 'plain', match: { path: '/plain/:id' }, mode: { kind: 'owner' }, entity: 'customer', entityKey: { from: 'param', name: 'id' } },
  {
    id: 'pull', match: { path: '/customers/:id' }, mode: { kind: 'owner' }, entity: 'customer',
    entityKey: { from: 'param', name: 'id' }, aspireOnFirstTouch: true, aspireBudgetMs: 1500, // a real ledger write fits in it on a loaded machine
  },
  { id: 'hdr', match: { path: '/me' }, mode: { kind: 'owner' }, entity: 'customer', entityKey: { from: 'header', name: 'x-customer' }, aspireOnFirstTouch: true, aspireBudgetMs: 1500 },
];

const until = async (what: () => Promise<boolean>, label: string): Promise<void> => {
  for (let i = 0; i < 500; i++) { if (await what()) return; await new Promise((r) => setTimeout(r, 20)); }
  throw new Error(`never happened: ${label}`);
};

describe.each(['sqlite', 'postgres'] as const)('owner routing over a %s ledger', (dialect) => {
  let db: FreshDatabase;
  let store: StateStore;
  let writer: StateStore; // another process writing the ledger (apply, aspire)
  let legacy: TestUpstream;
  let next: TestUpstream;
  let cache: LedgerCache;
  let aspirer: TestAspirer;
  let router: OwnerRouter;
  let gw: Gateway;
  let base: string;

  const get = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(base + path, init);
    const body = await r.text();
    return { status: r.status, body, servedBy: r.headers.get('x-siphon-served-by') };
  };

  beforeAll(async () => {
    db = await freshDatabase(dialect, 'siphon_owner');
    store = await openStateStore(db.url);
    writer = await openStateStore(db.url);
    await writer.upsertLedger([
      { entity: 'customer', key: '1', state: 'copied', version: sortableCounter(1), origin: 'aspire' },
      // `copied` by capture: some row of customer 5 reached next, not necessarily all of them
      { entity: 'customer', key: '5', state: 'copied', version: sortableCounter(1), origin: 'capture' },
      { entity: 'customer', key: '2', state: 'owned-by-next', version: sortableCounter(1), origin: 'backfill' },
      { entity: 'customer', key: '3', state: 'quarantined', version: sortableCounter(1), origin: 'capture' },
      { entity: 'invoice', key: '4', state: 'copied', version: sortableCounter(1), origin: 'capture' },
    ]);
    legacy = await startUpstream((_q, res) => res.end('legacy'));
    next = await startUpstream((_q, res) => res.end('next'));
    cache = await LedgerCache.start(store, { pollMs: 10 });
    aspirer = new TestAspirer(writer);
    router = new OwnerRouter({ ledger: cache, aspirer, retryAfterMs: 60_000 });
    gw = createGateway({ legacy: legacy.url, next: next.url, routes: ROUTES, owner: router });
    base = `http://127.0.0.1:${(await gw.listen(0)).port}`;
  });

  afterAll(async () => {
    await gw?.close(); await cache?.close();
    await legacy?.close(); await next?.close();
    await store?.close(); await writer?.close(); await db?.drop();
  });

  it('serves entities in next by next and the others by legacy, and says why', async () => {
    expect(await get('/plain/1')).toEqual({ status: 200, body: 'next', servedBy: 'next; reason=in-next' });
    expect(await get('/plain/2')).toEqual({ status: 200, body: 'next', servedBy: 'next; reason=in-next' });
    expect(await get('/plain/3')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=quarantined' });
    expect(await get('/plain/5')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=not-in-next' });
    expect(await get('/plain/4')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=not-in-next' }); // another entity's key
    expect(await get('/plain/99')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=not-in-next' });
    expect(await get('/me')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=no-key' });
    expect(aspirer.calls).toEqual([]);
  });

  it('writes go to next only for entities next owns', async () => {
    expect(await get('/plain/1', { method: 'POST', body: 'x' })).toMatchObject({ body: 'legacy', servedBy: 'legacy; reason=write' });
    expect(await get('/plain/1', { method: 'DELETE' })).toMatchObject({ body: 'legacy', servedBy: 'legacy; reason=write' });
    expect(await get('/plain/2', { method: 'PUT', body: 'x' })).toMatchObject({ body: 'next', servedBy: 'next; reason=owned' });
  });

  it('follows the ledger: a line written by another process moves the entity without a restart', async () => {
    expect((await get('/plain/50')).body).toBe('legacy');
    await writer.upsertLedger([{ entity: 'customer', key: '50', state: 'copied', version: sortableCounter(1), origin: 'aspire' }]);
    await until(async () => (await get('/plain/50')).body === 'next', 'customer 50 served by next');
    // a captured change of a whole entity keeps it whole
    await writer.upsertLedger([{ entity: 'customer', key: '50', state: 'copied', version: sortableCounter(2), origin: 'capture' }]);
    await cache.refresh();
    expect((await get('/plain/50')).body).toBe('next');
    await writer.upsertLedger([{ entity: 'customer', key: '50', state: 'legacy', version: sortableCounter(3), origin: 'capture' }]);
    await until(async () => (await get('/plain/50')).body === 'legacy', 'customer 50 back to legacy');
  });

  it('aspires on first touch, once for concurrent first touches, then serves from next without asking again', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => get('/customers/100')));
    // those arriving after the flight landed find the entity in next already
    const seen = answers.map((a) => `${a.status} ${a.body} ${a.servedBy}`);
    expect(seen.filter((a) => a !== '200 next next; reason=aspired' && a !== '200 next next; reason=in-next')).toEqual([]);
    expect(seen).toContain('200 next next; reason=aspired');
    expect(aspirer.calls.filter((c) => c.key === '100')).toEqual([{ entity: 'customer', key: '100', trigger: 'gateway' }]);
    expect(await get('/customers/100')).toMatchObject({ body: 'next', servedBy: 'next; reason=in-next' });
    expect(aspirer.calls.filter((c) => c.key === '100')).toHaveLength(1);
    // the aspire's ledger write is what other gateway processes see
    expect((await store.getLedger('customer', '100'))?.state).toBe('copied');
    // the key may come from a header as well
    expect(await get('/me', { headers: { 'x-customer': '101' } })).toMatchObject({ body: 'next', servedBy: 'next; reason=aspired' });
  });

  it('past the budget legacy answers; the aspire finishes in the background and the entity moves to next', async () => {
    aspirer.behaviour.set('200', 'gate');
    expect(await get('/customers/200')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=budget' });
    expect(await get('/customers/200')).toMatchObject({ body: 'legacy', servedBy: 'legacy; reason=budget' }); // joined the same flight
    expect(aspirer.calls.filter((c) => c.key === '200')).toHaveLength(1);
    aspirer.release();
    await until(async () => (await get('/customers/200')).servedBy === 'next; reason=in-next', 'customer 200 in next');
    expect(router.flights).toBe(0);
  });

  it('an aspire that fails or throws never fails the user: legacy answers, and the entity is not retried at once', async () => {
    aspirer.behaviour.set('300', 'fail');
    aspirer.behaviour.set('301', 'throw');
    expect(await get('/customers/300')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=aspire-failed' });
    expect(await get('/customers/301')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=aspire-failed' });
    expect(await get('/customers/300')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=retry-later' });
    expect(aspirer.calls.filter((c) => c.key === '300' || c.key === '301')).toHaveLength(2);
  });

  it('an entity with a quarantined row stays with legacy, and is not aspired again', async () => {
    aspirer.behaviour.set('400', 'quarantine');
    expect(await get('/customers/400')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=quarantined' });
    expect(await get('/customers/400')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=quarantined' });
    expect(await get('/customers/3')).toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=quarantined' });
    expect(aspirer.calls.filter((c) => c.key === '400' || c.key === '3')).toHaveLength(1);
  });

  it('a write on first touch goes to legacy at once and starts the pull', async () => {
    expect(await get('/customers/500', { method: 'POST', body: 'x' })).toMatchObject({ body: 'legacy', servedBy: 'legacy; reason=write' });
    await until(async () => (await get('/plain/500')).body === 'next', 'customer 500 pulled by the write');
    expect(aspirer.calls.filter((c) => c.key === '500')).toHaveLength(1);
  });

  it('next down: a read of an entity in next is answered by legacy, and the header says so', async () => {
    const down = createGateway({ legacy: legacy.url, next: `http://127.0.0.1:${REFUSED_PORT}`, routes: ROUTES, owner: router });
    const url = `http://127.0.0.1:${(await down.listen(0)).port}`;
    try {
      const r = await fetch(`${url}/plain/1`);
      expect({ status: r.status, body: await r.text(), servedBy: r.headers.get('x-siphon-served-by') })
        .toEqual({ status: 200, body: 'legacy', servedBy: 'legacy; reason=fallback' });
    } finally { await down.close(); }
  });

  it('looks the entity up under the ledger\'s form of the key; a key that cannot be one goes to legacy', async () => {
    await writer.upsertLedger([{ entity: 'customer', key: 'int:77', state: 'copied', version: sortableCounter(1), origin: 'aspire' }]);
    await cache.refresh();
    const typed = new OwnerRouter({ ledger: cache, ledgerKey: (_e, k) => (/^\d+$/.test(k) ? `int:${k}` : undefined) });
    const gw2 = createGateway({ legacy: legacy.url, next: next.url, routes: ROUTES, owner: typed });
    const url = `http://127.0.0.1:${(await gw2.listen(0)).port}`;
    try {
      const served = async (p: string) => (await fetch(url + p)).headers.get('x-siphon-served-by');
      expect(await served('/plain/77')).toBe('next; reason=in-next');
      expect(await served('/plain/1')).toBe('legacy; reason=not-in-next'); // `1` is not `int:1`
      expect(await served('/plain/abc')).toBe('legacy; reason=bad-key');
    } finally { await gw2.close(); }
  });
});
