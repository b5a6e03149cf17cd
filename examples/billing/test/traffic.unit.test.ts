import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runTraffic, TrafficOptionsError } from '../traffic/run-traffic.js';

// A recording stand-in for a billing app: every customer has two open invoices.
let server: Server;
let url = '';
let seen: { method: string; path: string; user: string }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method!, path: req.url!, user: String(req.headers['x-user-id']) });
    req.resume();
    req.on('end', () => {
      const body = /\/invoices$/.test(req.url!) ? { invoices: [{ number: 10, status: 'issued', amountInclTax: 12.5 }, { number: 11, status: 'paid', amountInclTax: 20 }] } : { ok: true };
      res.writeHead(req.method === 'POST' ? 201 : req.url === '/customers/13' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('billing traffic generator', () => {
  it('sends the planned number of requests by stable users, reads and writes, and summarises them', async () => {
    seen = [];
    // few users acting often: each learns its invoices early, so payments and invoice reads happen even on a loaded machine
    const s = await runTraffic({ target: url, rate: 100, durationS: 2, users: 5, seed: 3, customers: 50 });
    expect(s.requests).toBe(200);
    expect(s.completed + s.failed + s.dropped).toBe(200);
    expect(s.failed).toBe(0);
    expect(seen.length).toBe(s.completed);
    expect(Object.values(s.statuses).reduce((a, b) => a + b, 0)).toBe(s.completed);
    expect(s.reads + s.writes).toBe(200);
    expect(s.writes).toBeGreaterThan(0);
    expect(new Set(seen.map((x) => x.user)).size).toBeLessThanOrEqual(5);
    // a user always acts for the same customer
    const customerOf = new Map<string, string>();
    for (const x of seen) {
      const m = /^\/customers\/(\d+)/.exec(x.path);
      if (!m) continue;
      if (customerOf.has(x.user)) expect(customerOf.get(x.user)).toBe(m[1]);
      customerOf.set(x.user, m[1]!);
    }
    expect(seen.some((x) => x.method === 'POST' && /\/payments$/.test(x.path))).toBe(true);
    expect(seen.some((x) => x.path === '/invoices/10' || x.path === '/invoices/11')).toBe(true);
    expect(s.latencyMs.p50).toBeLessThanOrEqual(s.latencyMs.p99);
    expect(Object.keys(s.routes).length).toBeGreaterThan(2);
  });

  it('plans the same users, customers and request counts for the same seed', async () => {
    // exact paths depend on the answers (invoice numbers are learnt from the server), the plan does not
    const plan = async (seed: string) => {
      seen = [];
      await runTraffic({ target: url, rate: 300, durationS: 0.5, users: 10, seed, customers: 30 });
      const counts: Record<string, number> = {};
      for (const x of seen) counts[x.user] = (counts[x.user] ?? 0) + 1;
      return { counts, customers: [...new Set(seen.flatMap((x) => { const m = /^\/customers\/(\d+)/.exec(x.path); return m ? [`${x.user}:${m[1]}`] : []; }))].sort() };
    };
    const a = await plan('x');
    expect(await plan('x')).toEqual(a);
    expect((await plan('y')).counts).not.toEqual(a.counts);
  });

  it('counts network failures instead of throwing, and rejects bad options', async () => {
    const s = await runTraffic({ target: 'http://127.0.0.1:1', rate: 50, durationS: 0.2, users: 2, seed: 1, timeoutMs: 500 });
    expect(s.failed).toBe(s.requests);
    expect(s.completed).toBe(0);
    await expect(runTraffic({ target: 'nope', rate: 1, durationS: 1, users: 1, seed: 1 })).rejects.toThrow(TrafficOptionsError);
    await expect(runTraffic({ target: url, rate: 0, durationS: 1, users: 1, seed: 1 })).rejects.toThrow(/--rate/);
    await expect(runTraffic({ target: url, rate: 1, durationS: 1, users: 0, seed: 1 })).rejects.toThrow(/--users/);
  });
});
