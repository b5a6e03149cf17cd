import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { jsonAnswer, startUpstream, type TestUpstream } from './support/upstream.js';
import { eventually, metricValue, rawExchange, sleep } from './support/raw.js';

const eventuallyTrue = (f: () => boolean) => eventually(f, 5000, 'condition');

// The proxy's HTTP handling against real local upstreams, with raw sockets where framing matters.
let legacy: TestUpstream;
let next: TestUpstream;
let gw: Gateway;
let port: number;
let releaseStream: () => void = () => {};
let releaseHold: () => void = () => {};
let bigWritten = 0;

beforeAll(async () => {
  legacy = await startUpstream((req, res) => {
    if (req.url === '/hop') {
      res.writeHead(200, [['Connection', 'x-secret-hop'], ['X-Secret-Hop', 'no'], ['Keep-Alive', 'timeout=9'], ['X-Kept', 'yes'],
        ['Content-Length', '2']].flat());
      res.end('ok');
      return;
    }
    if (req.url === '/slow-stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      releaseStream = () => res.end('second');
      return;
    }
    if (req.url === '/big') { // 64 MB in 64 KB chunks, honouring backpressure
      const chunk = Buffer.alloc(64 * 1024, 120);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 * chunk.length });
      let n = 0;
      const pump = () => {
        while (n < 1024) { n++; bigWritten += chunk.length; if (!res.write(chunk)) { res.once('drain', pump); return; } }
        res.end();
      };
      pump();
      return;
    }
    if (req.url === '/hang') return; // never answers
    if (req.url === '/hold') { releaseHold = () => jsonAnswer('legacy')(req, res, ''); return; }
    jsonAnswer('legacy')(req, res, '');
  });
  next = await startUpstream(jsonAnswer('next'));
  gw = createGateway({
    legacy: legacy.url, next: next.url, connections: 1,
    limits: { maxHeaderSize: 4096, maxBodyBytes: 1000 },
    routes: [
      { id: 'shadow-writes', match: { path: '/sw/*' }, mode: { kind: 'shadow' }, mirrorWrites: true },
      { id: 'all', match: { path: '/*' }, mode: { kind: 'legacy' } },
    ],
  });
  port = (await gw.listen(0)).port;
});
afterAll(async () => { await gw.close(); await legacy.close(); await next.close(); });

const url = (p: string) => `http://127.0.0.1:${port}${p}`;

describe('proxy', () => {
  it('forwards method, path, query and body, and sets X-Forwarded-* and traceparent', async () => {
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await request(url('/a/b?x=1&y=2'), { method: 'PUT', body: 'payload', headers: { traceparent: trace, 'x-forwarded-for': '10.0.0.1', host: 'shop.example' } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ side: 'legacy', path: '/a/b?x=1&y=2' });
    const seen = legacy.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'PUT', url: '/a/b?x=1&y=2', body: 'payload' });
    expect(seen.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('shop.example');
    expect(seen.headers.host).toBe('shop.example');
    const tp = String(seen.headers.traceparent);
    expect(tp).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(tp).not.toBe(trace); // our own span id
    await request(url('/no-trace')).then((r) => r.body.dump());
    expect(String(legacy.seen.at(-1)!.headers.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('removes hop-by-hop headers both ways, including those named in Connection', async () => {
    const text = await rawExchange(port, 'GET /hop HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Private\r\nX-Private: p\r\n' +
      'Keep-Alive: timeout=3\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nUpgrade: websocket\r\nX-Public: q\r\n\r\n', 500);
    expect(text).toMatch(/^HTTP\/1.1 200/);
    const seen = legacy.seen.at(-1)!;
    expect(seen.url).toBe('/hop');
    expect(seen.headers['x-public']).toBe('q');
    for (const h of ['x-private', 'te', 'proxy-authorization', 'upgrade']) expect(seen.headers[h]).toBeUndefined();
    expect(seen.headers['keep-alive']).toBeUndefined();
    const head = text.split('\r\n\r\n')[0]!.toLowerCase();
    expect(head).toContain('x-kept: yes');
    expect(head).not.toContain('x-secret-hop');
    expect(head).not.toContain('timeout=9');
  });

  it('streams the response: the first chunk arrives before the upstream finished', async () => {
    const res = await request(url('/slow-stream'));
    const it = res.body[Symbol.asyncIterator]();
    // the upstream ends its answer only after we got the first chunk: a buffering proxy would never deliver it
    const first = await it.next();
    expect(Buffer.from(first.value as Buffer).toString()).toBe('first;');
    releaseStream();
    let rest = '';
    for (let c = await it.next(); !c.done; c = await it.next()) rest += Buffer.from(c.value as Buffer).toString();
    expect(rest).toBe('second');
  });

  it('applies backpressure end to end: a client that does not read holds the upstream, nothing piles up in the gateway', async () => {
    const res = await request(url('/big'));
    const it = res.body[Symbol.asyncIterator]();
    let total = 0;
    try {
      total += ((await it.next()).value as Buffer).length; // read one chunk, then stop reading
      // The upstream stops writing. Waited for as long as the machine needs (no timing asserted): without backpressure
      // it would only stop at 64 MB, and the bound below would fail.
      let last = -1;
      await eventually(async () => { const seen = bigWritten; await sleep(100); const still = seen === last && seen === bigWritten; last = seen; return still; },
        30_000, 'the upstream to stop writing');
      expect(bigWritten).toBeLessThan(16 * 1024 * 1024); // socket buffers at most, not 64 MB
    } finally {
      // always drain: this gateway has one upstream connection, a stuck answer would hold it for the next tests
      for (let c = await it.next(); !c.done; c = await it.next()) total += (c.value as Buffer).length;
    }
    expect(total).toBe(64 * 1024 * 1024); // then everything arrives
    expect(bigWritten).toBe(64 * 1024 * 1024);
  });

  it('rejects request smuggling: Content-Length with Transfer-Encoding, duplicate Content-Length', async () => {
    const before = legacy.seen.length;
    const clte = await rawExchange(port, 'POST /smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(clte).toMatch(/^HTTP\/1.1 400/);
    const dupCl = await rawExchange(port, 'POST /smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd');
    expect(dupCl).toMatch(/^HTTP\/1.1 400/);
    const teObf = await rawExchange(port, 'POST /smuggle HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\nContent-Length: 3\r\n\r\nabc');
    expect(teObf).toMatch(/^HTTP\/1.1 400/);
    await sleep(50);
    expect(legacy.seen.slice(before).map((s) => s.url)).toEqual([]);
  });

  it('rejects oversized headers (431) and bodies (413)', async () => {
    const big = await rawExchange(port, `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1.1 431/);
    const res = await request(url('/upload'), { method: 'POST', body: 'x'.repeat(1001) });
    expect(res.statusCode).toBe(413);
    expect(await res.body.text()).toMatch(/exceeds the limit of 1000/);
    const chunked = await rawExchange(port, `POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `400\r\n${'y'.repeat(1024)}\r\n0\r\n\r\n`);
    expect(chunked).toMatch(/^HTTP\/1.1 413/);
    expect(await metricValue('siphon_gateway_requests_rejected_total', { reason: 'body_too_large' })).toBeGreaterThanOrEqual(2);
  });

  it('keeps every body byte of requests that wait for a pool connection (chunked, mirrored or not)', async () => {
    const held = request(url('/hold'));
    await sleep(50); // the single upstream connection is now busy
    const body = (tag: string) => async function* () { for (let i = 0; i < 50; i++) { yield Buffer.from(`${tag}${i};`); await sleep(1); } };
    const expected = (tag: string) => Array.from({ length: 50 }, (_, i) => `${tag}${i};`).join('');
    const a = request(url('/sw/a'), { method: 'POST', body: Readable.from(body('a')()) }); // chunked + mirrored: through the tap
    const b = request(url('/plain'), { method: 'POST', body: Readable.from(body('b')()) }); // chunked: through the tap (counted)
    const c = request(url('/plain-cl'), { method: 'POST', body: expected('c') }); // Content-Length: the request itself
    await sleep(100);
    releaseHold();
    for (const r of await Promise.all([held, a, b, c])) { expect(r.statusCode).toBe(200); await r.body.dump(); }
    const got = (u: string) => legacy.seen.find((x) => x.url === u)?.body;
    expect(got('/sw/a')).toBe(expected('a'));
    expect(got('/plain')).toBe(expected('b'));
    expect(got('/plain-cl')).toBe(expected('c'));
    await eventuallyTrue(() => next.seen.some((x) => x.url === '/sw/a'));
    expect(next.seen.find((x) => x.url === '/sw/a')!.body).toBe(expected('a'));
  });

  it('a client leaving while its request is queued aborts it: the pool does not stall', async () => {
    // one upstream connection, held by a request that never gets an answer until its client leaves
    const ac1 = new AbortController();
    const hung = request(url('/hang'), { signal: ac1.signal }).catch((e: Error) => e);
    await sleep(50);
    const ac2 = new AbortController();
    const queued = request(url('/queued'), { signal: ac2.signal }).catch((e: Error) => e);
    await sleep(50);
    ac2.abort();
    ac1.abort();
    await Promise.all([hung, queued]);
    const res = await request(url('/after'));
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ side: 'legacy', path: '/after' });
    expect(legacy.seen.map((s) => s.url)).not.toContain('/queued'); // aborted before it reached the upstream
  });
});
