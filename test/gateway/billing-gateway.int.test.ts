import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegacyApp, startNextApp, type RunningApp } from '../../examples/billing/index.js';
import { billingFixture, cleanCustomerIds, type BillingFixture } from '../../examples/billing/test/fixture.js';
import { bucketOf } from '../../src/gateway/routing/canary.js';
import type { RouteSpec } from '../../src/gateway/routing/route.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { metricValue } from './support/raw.js';

// The gateway in front of the two billing apps (legacy schema / next schema): canary stickiness, a hanging next,
// a failing next, a route flip under load. The apps say who answered in `x-billing-app`.
let f: BillingFixture;
let legacy: RunningApp;
let next: RunningApp;
let gw: Gateway;
let base: string;
let ids: number[];
const agent = new Agent({ connections: 16 });

beforeAll(async () => {
  f = await billingFixture(40, 5, 0.0);
  ids = cleanCustomerIds(f);
  legacy = await startLegacyApp({ db: f.legacy });
  next = await startNextApp({ db: f.next });
  gw = createGateway({ legacy: legacy.url, next: next.url, timeouts: { upstreamHeadersMs: 2000 },
    mirror: { concurrency: 4, queueMax: 4, timeoutMs: 30_000 } });
  base = `http://127.0.0.1:${(await gw.listen(0)).port}`;
}, 120_000);
afterAll(async () => { await gw?.close(); await legacy?.close(); await next?.close(); await f?.drop(); await agent.close(); });

const route = (id: string, mode: RouteSpec['mode'], extra: Partial<RouteSpec> = {}): RouteSpec =>
  ({ id, match: { methods: ['GET'], path: '/customers/:id' }, mode, userKey: { from: 'header', name: 'x-user' }, ...extra });

async function who(path: string, user?: string): Promise<{ app: string; status: number }> {
  const res = await request(base + path, { dispatcher: agent, headers: user ? { 'x-user': user } : {} });
  await res.body.dump();
  return { app: String(res.headers['x-billing-app']), status: res.statusCode };
}

describe('gateway over the billing apps', () => {
  it('canary 30%: each user always reaches the same app, and the share of users on next is ~30%', async () => {
    gw.setRoutes([route('bill-canary', { kind: 'canary', percent: 30 })], 1);
    const users = Array.from({ length: 600 }, (_, i) => `customer-${i}`);
    const first = new Map<string, string>();
    for (const u of users) first.set(u, (await who(`/customers/${ids[users.indexOf(u) % ids.length]}`, u)).app);
    for (const u of users.slice(0, 200)) expect((await who(`/customers/${ids[0]}`, u)).app).toBe(first.get(u));
    for (const u of users) expect(first.get(u)).toBe(bucketOf(u) < 3000 ? 'next' : 'legacy');
    const share = users.filter((u) => first.get(u) === 'next').length / users.length;
    expect(share).toBeGreaterThan(0.24);
    expect(share).toBeLessThan(0.36);
    // raising to 60%: nobody who was on next goes back to legacy
    gw.setRoutes([route('bill-canary', { kind: 'canary', percent: 60 })], 2);
    for (const u of users.filter((x) => first.get(x) === 'next')) expect((await who(`/customers/${ids[1]}`, u)).app).toBe('next');
  }, 120_000);

  it('shadow with a hanging next: every user request is answered by legacy, mirror drops counted', async () => {
    gw.setRoutes([route('bill-hang', { kind: 'shadow' })], 3);
    next.setFaults({ hang: true });
    try {
      const answers = await Promise.all(ids.slice(0, 30).map((id) => who(`/customers/${id}`)));
      expect(answers.every((a) => a.status === 200 && a.app === 'legacy')).toBe(true);
      // 4 copies hang in flight, 4 wait in the queue, the rest are dropped and counted
      expect(await metricValue('siphon_gateway_mirror_copies_total', { route: 'bill-hang', result: 'dropped_queue_full' }))
        .toBe(Math.min(30, ids.length) - 8);
    } finally { next.setFaults({}); }
  }, 60_000);

  it('next answering 5xx: idempotent requests are answered by legacy', async () => {
    gw.setRoutes([route('bill-5xx', { kind: 'next' })], 4);
    next.setFaults({ errorRate: 1 });
    try {
      for (const id of ids.slice(0, 10)) expect(await who(`/customers/${id}`)).toEqual({ app: 'legacy', status: 200 });
      expect(await metricValue('siphon_gateway_fallbacks_total', { route: 'bill-5xx', reason: 'status' })).toBe(10);
    } finally { next.setFaults({}); }
    expect(await who(`/customers/${ids[0]}`)).toEqual({ app: 'next', status: 200 });
  }, 60_000);

  it('flips legacy ↔ next under a steady load with zero failed requests', async () => {
    let stop = false;
    const seen = { legacy: 0, next: 0, failed: 0 };
    const loops = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await who(`/customers/${ids[(w * 7 + i) % ids.length]}`);
          if (r.status !== 200) seen.failed++; else seen[r.app as 'legacy' | 'next']++;
        } catch { seen.failed++; }
      }
    });
    for (let v = 10; v < 30; v++) {
      gw.setRoutes([route('bill-flip', { kind: v % 2 ? 'next' : 'legacy' })], v);
      await new Promise((r) => setTimeout(r, 25));
    }
    stop = true;
    await Promise.all(loops);
    expect(seen.failed).toBe(0);
    expect(seen.legacy).toBeGreaterThan(0);
    expect(seen.next).toBeGreaterThan(0);
  }, 60_000);
});
