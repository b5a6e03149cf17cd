import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/gateway/exchange.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import type { GatewayOverrides } from '../../src/gateway/settings.js';
import { eventually, metricValue, sleep } from './support/raw.js';
import { jsonAnswer, startUpstream, type TestUpstream } from './support/upstream.js';

// Failure behaviour against real local upstreams: hanging / failing next, fallback, mirror bounds, shutdown.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

async function upstream(handler: Parameters<typeof startUpstream>[0]): Promise<TestUpstream> {
  const u = await startUpstream(handler);
  cleanups.push(() => u.close());
  return u;
}
async function gateway(o: GatewayOverrides): Promise<{ gw: Gateway; url: (p: string) => string }> {
  const gw = createGateway(o);
  const { port } = await gw.listen(0);
  cleanups.push(() => gw.close());
  return { gw, url: (p) => `http://127.0.0.1:${port}${p}` };
}

describe('shadow mode with a hanging next', () => {
  it('answers every user request from legacy and counts the mirror drops', async () => {
    const legacy = await upstream(jsonAnswer('legacy'));
    const next = await upstream(() => { /* never answers */ });
    const { url } = await gateway({
      legacy: legacy.url, next: next.url,
      mirror: { concurrency: 2, queueMax: 3, timeoutMs: 60_000 },
      routes: [{ id: 'hang-shadow', match: { path: '/items/:id' }, mode: { kind: 'shadow' } }],
    });
    const answers = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      const res = await request(url(`/items/${i}`));
      return { status: res.statusCode, body: await res.body.json() as { side: string } };
    }));
    expect(answers.every((a) => a.status === 200 && a.body.side === 'legacy')).toBe(true);
    expect(legacy.seen).toHaveLength(40);
    // 2 copies in flight (hanging), 3 queued, the other 35 dropped
    expect(await metricValue('siphon_gateway_mirror_copies_total', { route: 'hang-shadow', result: 'dropped_queue_full' })).toBe(35);
  });

  it('times mirror copies out and hands the exchange (with next failed) to the sink', async () => {
    const legacy = await upstream(jsonAnswer('legacy'));
    const next = await upstream(() => {});
    const exchanges: Exchange[] = [];
    const { url } = await gateway({
      legacy: legacy.url, next: next.url, mirror: { timeoutMs: 200 }, sink: { accept: (e) => exchanges.push(e) },
      routes: [{ id: 'timeout-shadow', match: { path: '/*' }, mode: { kind: 'shadow' } }],
    });
    const res = await request(url('/x'));
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    await eventually(() => exchanges.length === 1, 5000, 'the exchange');
    expect(exchanges[0]!.legacy.status).toBe(200);
    expect(exchanges[0]!.next).toMatchObject({ status: 0, error: expect.stringMatching(/timed out/) });
    expect(await metricValue('siphon_gateway_mirror_copies_total', { route: 'timeout-shadow', result: 'timeout' })).toBe(1);
  });
});

describe('fallback', () => {
  it('answers idempotent next-routed requests from legacy when next says 5xx; writes get next\'s answer', async () => {
    const legacy = await upstream(jsonAnswer('legacy'));
    const next = await upstream((_q, res) => { res.writeHead(503, { 'content-type': 'text/plain' }); res.end('down'); });
    const { url } = await gateway({ legacy: legacy.url, next: next.url,
      routes: [{ id: 'fb-5xx', match: { path: '/*' }, mode: { kind: 'next' } }] });
    for (let i = 0; i < 5; i++) {
      const res = await request(url(`/orders/${i}`));
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ side: 'legacy', path: `/orders/${i}` });
    }
    const post = await request(url('/orders'), { method: 'POST', body: '{}' });
    expect(post.statusCode).toBe(503);
    expect(await post.body.text()).toBe('down');
    expect(next.seen).toHaveLength(6);
    expect(await metricValue('siphon_gateway_fallbacks_total', { route: 'fb-5xx', reason: 'status' })).toBe(5);
    expect(await metricValue('siphon_gateway_requests_total', { route: 'fb-5xx', side: 'legacy', status_class: '2xx' })).toBe(5);
  });

  it('falls back on a dead next (connection refused) and on a next that does not answer in time', async () => {
    const legacy = await upstream(jsonAnswer('legacy'));
    const dead = await startUpstream(jsonAnswer('never'));
    await dead.close(); // its port now refuses connections
    const a = await gateway({ legacy: legacy.url, next: dead.url, routes: [{ id: 'fb-dead', match: { path: '/*' }, mode: { kind: 'next' } }] });
    const r1 = await request(a.url('/a'));
    expect(await r1.body.json()).toEqual({ side: 'legacy', path: '/a' });
    expect(await metricValue('siphon_gateway_fallbacks_total', { route: 'fb-dead', reason: 'error' })).toBe(1);

    const slow = await upstream(() => {});
    const b = await gateway({ legacy: legacy.url, next: slow.url, timeouts: { upstreamHeadersMs: 150 },
      routes: [{ id: 'fb-slow', match: { path: '/*' }, mode: { kind: 'next' } }] });
    const r2 = await request(b.url('/b'));
    expect(await r2.body.json()).toEqual({ side: 'legacy', path: '/b' });
    expect(await metricValue('siphon_gateway_fallbacks_total', { route: 'fb-slow', reason: 'timeout' })).toBe(1);
  });

  it('does not fall back when the route disables it: 502 from a dead next', async () => {
    const legacy = await upstream(jsonAnswer('legacy'));
    const dead = await startUpstream(jsonAnswer('never'));
    await dead.close();
    const { url } = await gateway({ legacy: legacy.url, next: dead.url,
      routes: [{ id: 'fb-off', match: { path: '/*' }, mode: { kind: 'next' }, fallback: false }] });
    const res = await request(url('/a'));
    expect(res.statusCode).toBe(502);
    await res.body.dump();
  });
});

describe('mirror', () => {
  it('copies writes only when allowed, with the dry-run header, a child span and the request body; legacy2 too', async () => {
    const legacy = await upstream(jsonAnswer('legacy'));
    const legacy2 = await upstream(jsonAnswer('legacy'));
    const next = await upstream(jsonAnswer('next'));
    const exchanges: Exchange[] = [];
    const { url } = await gateway({
      legacy: legacy.url, next: next.url, legacy2: legacy2.url, sink: { accept: (e) => exchanges.push(e) },
      mirror: { requestBodyLimit: 100 },
      routes: [
        { id: 'm-writes', match: { path: '/w/*' }, mode: { kind: 'shadow' }, mirrorWrites: true },
        { id: 'm-reads', match: { path: '/r/*' }, mode: { kind: 'shadow' } },
      ],
    });
    await (await request(url('/w/1'), { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })).body.dump();
    await (await request(url('/r/1'), { method: 'POST', body: '{"a":2}' })).body.dump();
    await (await request(url('/w/2'), { method: 'POST', body: 'x'.repeat(101) })).body.dump();
    await eventually(() => exchanges.length === 1, 5000, 'one exchange');
    const ex = exchanges[0]!;
    expect(ex.endpoint).toBe('* /w/*');
    expect(ex.request).toMatchObject({ method: 'POST', url: '/w/1' });
    expect(ex.request.body!.toString()).toBe('{"a":1}');
    expect(JSON.parse(ex.legacy.body.toString())).toEqual({ side: 'legacy', path: '/w/1' });
    expect(JSON.parse(ex.next.body.toString())).toEqual({ side: 'next', path: '/w/1' });
    expect(ex.legacy2?.status).toBe(200);
    const toNext = next.seen.find((s) => s.url === '/w/1')!;
    expect(toNext.headers['x-siphon-dry-run']).toBe('1');
    expect(toNext.body).toBe('{"a":1}');
    const toLegacy = legacy.seen.find((s) => s.url === '/w/1')!;
    expect(toLegacy.headers['x-siphon-dry-run']).toBeUndefined();
    const [, tLegacy, sLegacy] = String(toLegacy.headers.traceparent).split('-');
    const [, tNext, sNext] = String(toNext.headers.traceparent).split('-');
    expect(tNext).toBe(tLegacy);
    expect(tNext).toBe(ex.traceId);
    expect(sNext).not.toBe(sLegacy);
    expect(next.seen.map((s) => s.url)).toEqual(['/w/1']);
    expect(legacy2.seen.map((s) => s.url)).toEqual(['/w/1']);
    expect(await metricValue('siphon_gateway_mirror_copies_total', { route: 'm-reads', result: 'skipped_method' })).toBe(1);
    expect(await metricValue('siphon_gateway_mirror_copies_total', { route: 'm-writes', result: 'skipped_too_large' })).toBe(1);
  });
});

describe('mirror budget', () => {
  it('starts at most maxPerSecond copies per second, skips and counts the rest, users unaffected', async () => {
    const legacy = await upstream(jsonAnswer('legacy'));
    const next = await upstream(jsonAnswer('next'));
    const { url } = await gateway({ legacy: legacy.url, next: next.url, mirror: { maxPerSecond: 5 },
      routes: [{ id: 'budget', match: { path: '/*' }, mode: { kind: 'shadow' } }] });
    const t0 = Date.now();
    const statuses = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const r = await request(url(`/b/${i}`)); await r.body.dump(); return r.statusCode;
    }));
    const seconds = (Date.now() - t0) / 1000;
    expect(statuses.every((s) => s === 200)).toBe(true);
    // skips are counted when the request arrives; every admitted copy reaches next. The budget is a token bucket
    // (evenly spread, at most 20 ms worth ahead): one copy at once, then 5 per second.
    const skipped = await metricValue('siphon_gateway_mirror_copies_total', { route: 'budget', result: 'skipped_rate' });
    const admitted = 30 - skipped;
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(1 + Math.ceil(5 * seconds));
    await eventually(async () => await metricValue('siphon_gateway_mirror_copies_total', { route: 'budget', result: 'sent' }) === admitted,
      5000, 'the admitted copies');
    expect(next.seen).toHaveLength(admitted);
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, then refuses new connections', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const legacy = await upstream((req, res) => { void gate.then(() => jsonAnswer('legacy')(req, res, '')); });
    const next = await upstream(jsonAnswer('next'));
    const gw = createGateway({ legacy: legacy.url, next: next.url });
    const { port } = await gw.listen(0);
    const inflight = request(`http://127.0.0.1:${port}/slow`);
    await eventually(() => legacy.seen.length === 1, 5000, 'the request to reach legacy');
    const closed = gw.close();
    await sleep(50);
    const refused = await request(`http://127.0.0.1:${port}/new`).then(() => 'answered', (e: Error & { code?: string }) => e.code);
    expect(refused).toBe('ECONNREFUSED');
    release();
    const res = await inflight;
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ side: 'legacy', path: '/slow' });
    await closed;
  });
});
