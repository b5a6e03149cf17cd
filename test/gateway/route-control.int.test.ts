import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminServer } from '../../src/gateway/admin.js';
import { rollbackRoutes, setRoute } from '../../src/gateway/control.js';
import { followStateRoutes } from '../../src/gateway/route-source.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { createLogger } from '../../src/observe/logger.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { eventually } from './support/raw.js';
import { jsonAnswer, startUpstream, type TestUpstream } from './support/upstream.js';

// Route changes through the state store (SQLite, the embedded default) reaching a running gateway under load.
let db: FreshDatabase;
let store: StateStore;
let legacy: TestUpstream;
let next: TestUpstream;
let gw: Gateway;
let port: number;
let unfollow: () => Promise<void>;
const who = { actor: 'test@ci', reason: 'route flip test' };

beforeAll(async () => {
  db = await freshDatabase('sqlite', 'gw_routes');
  store = await openStateStore(db.url);
  legacy = await startUpstream(jsonAnswer('legacy'));
  next = await startUpstream(jsonAnswer('next'));
  gw = createGateway({ legacy: legacy.url, next: next.url });
  port = (await gw.listen(0)).port;
  await setRoute(store, 'orders', { match: { path: '/orders/:id' }, mode: { kind: 'legacy' } }, who);
  unfollow = await followStateRoutes(store, gw, createLogger('test'), 10);
});
afterAll(async () => {
  await unfollow?.(); await gw?.close(); await legacy?.close(); await next?.close(); await store?.close(); await db?.drop();
});

async function sideOf(path: string, dispatcher?: Agent): Promise<string> {
  const res = await request(`http://127.0.0.1:${port}${path}`, dispatcher ? { dispatcher } : {});
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  return ((await res.body.json()) as { side: string }).side;
}

describe('route control', () => {
  it('flips routes under load with zero failed requests, and rollback returns everything to legacy', async () => {
    expect(await sideOf('/orders/1')).toBe('legacy');
    const agent = new Agent({ connections: 8 });
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loops = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        try { await sideOf(`/orders/${w}-${i}`, agent); ok++; } catch (e) { failures.push((e as Error).message); }
      }
    });
    const waitFor = async (side: string) => {
      const t0 = performance.now();
      await eventually(async () => (await sideOf('/orders/probe')) === side, 5000, `route on ${side}`);
      return performance.now() - t0;
    };
    const delays: number[] = [];
    for (let round = 0; round < 5; round++) {
      await setRoute(store, 'orders', { mode: { kind: 'next' } }, who);
      delays.push(await waitFor('next'));
      await rollbackRoutes(store, who);
      delays.push(await waitFor('legacy'));
    }
    stop = true;
    await Promise.all(loops);
    await agent.close();
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    // informational: propagation time store → gateway (poll 10 ms here); not asserted, the machine is shared
    console.log(`route flips: ${ok} requests, 0 failed; propagation ms: ${delays.map((d) => d.toFixed(0)).join(' ')}`);
    expect(gw.routeTable().version).toBe(await store.routeTableVersion());
  });

  it('follows a PostgreSQL state store too (LISTEN/NOTIFY)', async () => {
    const pgDb = await freshDatabase('postgres', 'gw_routes');
    const pgStore = await openStateStore(pgDb.url);
    const g = createGateway({ legacy: legacy.url, next: next.url });
    const p = (await g.listen(0)).port;
    let stop: (() => Promise<void>) | undefined;
    try {
      await setRoute(pgStore, 'orders', { match: { path: '/orders/:id' }, mode: { kind: 'legacy' } }, who);
      stop = await followStateRoutes(pgStore, g, createLogger('test'));
      const sideVia = async () => ((await (await request(`http://127.0.0.1:${p}/orders/1`)).body.json()) as { side: string }).side;
      expect(await sideVia()).toBe('legacy');
      await setRoute(pgStore, 'orders', { mode: { kind: 'next' } }, who);
      await eventually(async () => (await sideVia()) === 'next', 5000, 'next via PostgreSQL');
      await rollbackRoutes(pgStore, who);
      await eventually(async () => (await sideVia()) === 'legacy', 5000, 'legacy via PostgreSQL');
    } finally {
      await stop?.(); await g.close(); await pgStore.close(); await pgDb.drop();
    }
  });

  it('records who, why, before and after of every change; refuses a bad table and keeps serving', async () => {
    await setRoute(store, 'orders', { mode: { kind: 'canary', percent: 30 }, options: { userKey: { from: 'header', name: 'x-user' } } }, who);
    await rollbackRoutes(store, { actor: 'oncall', reason: 'errors up' });
    const audit = await store.listAudit({});
    const last = audit.items[0]!;
    expect(last).toMatchObject({ actor: 'oncall', reason: 'errors up' });
    expect(JSON.stringify(last.before)).toContain('canary');
    expect(JSON.stringify(last.after)).toContain('legacy');
    await expect(setRoute(store, 'orders', { match: { path: 'no-slash' } }, who)).rejects.toThrow(/match.path|start with/);
    await expect(rollbackRoutes(store, who, 'nope')).rejects.toThrow(/route "nope" does not exist/);
    expect(await sideOf('/orders/9')).toBe('legacy');
  });

  it('serves /metrics on the admin port only with the bearer token', async () => {
    const admin = createAdminServer({ token: 's3cret', status: () => ({ v: gw.routeTable().version }) });
    const { port: ap } = await admin.listen(0);
    try {
      const denied = await request(`http://127.0.0.1:${ap}/metrics`);
      expect(denied.statusCode).toBe(401);
      await denied.body.dump();
      const wrong = await request(`http://127.0.0.1:${ap}/metrics`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.statusCode).toBe(401);
      await wrong.body.dump();
      const res = await request(`http://127.0.0.1:${ap}/metrics`, { headers: { authorization: 'Bearer s3cret' } });
      expect(res.statusCode).toBe(200);
      const text = await res.body.text();
      expect(text).toMatch(/siphon_gateway_requests_total\{route="orders",mode="(legacy|next)",side="(legacy|next)",status_class="2xx"\} \d+/);
      expect(text).toContain('siphon_gateway_request_duration_seconds_bucket');
      expect(text).toMatch(/siphon_gateway_route_table_version \d+/);
    } finally { await admin.close(); }
  });
});
