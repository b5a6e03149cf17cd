import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/server.js';
import type { GatewayOverrides } from '../../src/gateway/settings.js';
import { echoOf, sha, startEchoUpstream, type Special } from './support/echo-upstream.js';
import { eventually } from './support/raw.js';
import { requestHeads, startRawUpstream, WireClient } from './support/wire.js';
import { REFUSED_PORT } from '../support/refused-port.js';

// The upstream side of the gateway's HTTP/1.1 engine (http1/upstream-*.ts) against real upstreams: node:http where
// its framing is what we want, node:net with hand-framed answers where it is not.
const cleanups: (() => unknown)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

async function gateway(upstream: string, o: Partial<GatewayOverrides> = {}): Promise<{ port: number; url: (p: string) => string }> {
  const gw = createGateway({ legacy: upstream, next: upstream, ...o });
  const { port } = await gw.listen(0);
  cleanups.push(() => gw.close());
  return { port, url: (p) => `http://127.0.0.1:${port}${p}` };
}
async function echo(special?: Special) {
  const u = await startEchoUpstream(special);
  cleanups.push(() => u.close());
  return u;
}
async function raw(onData: Parameters<typeof startRawUpstream>[0]) {
  const u = await startRawUpstream(onData);
  cleanups.push(() => u.close());
  return u;
}
async function client(port: number): Promise<WireClient> {
  const c = await WireClient.open(port);
  cleanups.push(() => c.destroy());
  return c;
}
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`;
const answer = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe('upstream framing', () => {
  it('a chunked upstream answer is re-chunked to the client, byte-exact', async () => {
    const body = randomBytes(200_000);
    const up = await echo((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let at = 0, n = 1; at < body.length; at += n, n = (n * 7 + 13) % 40_000 + 1) res.write(body.subarray(at, at + n));
      res.end();
      return true;
    });
    const c = await client((await gateway(up.url)).port);
    c.write(get('/bin'));
    const r = await c.read();
    expect(r.framing).toBe('chunked');
    expect(sha(r.body)).toBe(sha(body));
  });

  it.each([
    ['HTTP/1.0, no length', 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n'],
    ['HTTP/1.1 with Connection: close, no length', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'],
  ])('a close-delimited upstream answer (%s) reaches the client whole', async (_what, head) => {
    const up = await raw((s) => {
      s.write(head + 'first,');
      setTimeout(() => { s.write('second,'); s.end('last'); }, 30);
    });
    const c = await client((await gateway(up.url)).port);
    c.write(get('/close'));
    const r = await c.read();
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('first,second,last');
    c.write(get('/again')); // the client connection is still usable
    expect((await c.read()).body.toString()).toBe('first,second,last');
  });

  it('interim answers (100 Continue, 103 Early Hints) are passed over; the final answer reaches the client', async () => {
    const up = await raw((s, received) => {
      if (!received.endsWith('\r\n\r\n')) return;
      s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n');
      setTimeout(() => s.write(answer(`final ${requestHeads(received)}`)), 20);
    });
    const c = await client((await gateway(up.url, { connections: 1 })).port);
    for (const n of [1, 2]) {
      c.write(get('/interim'));
      const r = await c.read();
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(`final ${n}`);
    }
    expect(up.sockets).toHaveLength(1); // the upstream connection was kept across both
  });
});

describe('upstream heads', () => {
  it('an answer head with 80 headers written in small pieces reaches the client whole, in order', async () => {
    const names = Array.from({ length: 80 }, (_, i) => `X-U${i}`);
    const text = `HTTP/1.1 200 OK\r\n${names.map((n, i) => `${n}: u${i}\r\n`).join('')}Content-Length: 4\r\n\r\ndone`;
    const up = await raw(async (s, received) => {
      if (!received.endsWith('\r\n\r\n')) return;
      s.setNoDelay(true);
      for (let at = 0; at < text.length; at += 61) { s.write(text.slice(at, at + 61)); await new Promise((r) => setTimeout(r, 1)); }
    });
    const c = await client((await gateway(up.url)).port);
    c.write(get('/many'));
    const r = await c.read();
    expect(r.body.toString()).toBe('done');
    names.forEach((n, i) => expect(r.headers[n.toLowerCase()]).toBe(`u${i}`));
  });
});

describe('stale keep-alive connections', () => {
  it('an upstream closing idle connections quickly (keepAliveTimeout): every GET still succeeds', async () => {
    const up = await echo();
    up.server.keepAliveTimeout = 1;
    const { url } = await gateway(up.url);
    for (let i = 0; i < 30; i++) {
      const res = await request(url(`/g${i}`));
      expect(res.statusCode).toBe(200);
      expect(echoOf(Buffer.from(await res.body.arrayBuffer())).url).toBe(`/g${i}`);
      await new Promise((r) => setTimeout(r, i % 3));
    }
  });

  // The upstream closes each connection when a second request arrives on it, unanswered: what a keep-alive race
  // looks like from the gateway. A GET went nowhere and is sent again on a fresh connection; a POST may have been
  // acted on, so it is never re-sent.
  const closingOnReuse = () => {
    const answered = new WeakSet<object>();
    return raw((s, received, index) => {
      const heads = requestHeads(received);
      if (heads >= 2) s.destroy();
      else if (heads === 1 && !answered.has(s)) { answered.add(s); s.write(answer(`conn ${index}`)); }
    });
  };

  it('a GET on a connection the upstream closed is retried once on a fresh one', async () => {
    const up = await closingOnReuse();
    const { url } = await gateway(up.url, { connections: 1 });
    const first = await request(url('/a'));
    expect(await first.body.text()).toBe('conn 0');
    const second = await request(url('/b'));
    expect(second.statusCode).toBe(200);
    expect(await second.body.text()).toBe('conn 1');
  });

  it("an upstream's Keep-Alive: timeout=N hint retires the connection before the upstream closes it", async () => {
    // answers advertise timeout=1; a second request on a connection is dropped unanswered, as an upstream closing at
    // its deadline would: the POST after 700 ms idle must go out on a fresh connection, not on the old one
    const answered = new WeakSet<object>();
    const up = await raw((s, received, index) => {
      const heads = requestHeads(received);
      if (heads >= 2) s.destroy();
      else if (heads === 1 && !answered.has(s)) { answered.add(s); s.write(answer(`conn ${index}`, 'Keep-Alive: timeout=1\r\n')); }
    });
    const { url } = await gateway(up.url, { connections: 1 });
    expect(await (await request(url('/a'), { method: 'POST', body: 'one' })).body.text()).toBe('conn 0');
    await new Promise((r) => setTimeout(r, 700));
    const second = await request(url('/b'), { method: 'POST', body: 'two' });
    expect(second.statusCode).toBe(200);
    expect(await second.body.text()).toBe('conn 1');
  });

  it('a POST on a connection the upstream closed is not re-sent: 502', async () => {
    const up = await closingOnReuse();
    const { url } = await gateway(up.url, { connections: 1 });
    expect(await (await request(url('/a'))).body.text()).toBe('conn 0');
    const post = await request(url('/pay'), { method: 'POST', body: 'amount=10' });
    expect(post.statusCode).toBe(502);
    await post.body.dump();
    expect(up.sockets).toHaveLength(1); // no second connection was opened for it
  });
});

describe('upstream failures', () => {
  it('an upstream refusing connections: 502', async () => {
    const { url } = await gateway(`http://127.0.0.1:${REFUSED_PORT}`);
    for (let i = 0; i < 3; i++) {
      const res = await request(url('/x'));
      expect(res.statusCode).toBe(502);
      await res.body.dump();
    }
  });

  it('a 502 for one pipelined request keeps the client connection: the requests after it are answered', async () => {
    const up = await echo();
    const { port } = await gateway(up.url, {
      next: `http://127.0.0.1:${REFUSED_PORT}`,
      routes: [{ id: 'dead', match: { path: '/dead/*' }, mode: { kind: 'next' }, fallback: false }],
    });
    const c = await client(port);
    c.write(get('/one') + get('/dead/x') + get('/three'));
    expect(echoOf((await c.read()).body).url).toBe('/one');
    expect((await c.read()).status).toBe(502);
    expect(echoOf((await c.read()).body).url).toBe('/three');
  });

  it('an upstream not answering: 504 after upstreamHeadersMs', async () => {
    const up = await raw(() => { /* reads, never answers */ });
    const { url } = await gateway(up.url, { timeouts: { upstreamHeadersMs: 200 } });
    const res = await request(url('/silent'));
    expect(res.statusCode).toBe(504);
    await res.body.dump();
  });

  it('upstreamHeadersMs counts from the end of the request body: a slow upload is not a 504', async () => {
    const up = await echo();
    const c = await client((await gateway(up.url, { timeouts: { upstreamHeadersMs: 200 } })).port);
    c.write('POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\n');
    for (const part of ['ab', 'cd', 'ef']) { await new Promise((r) => setTimeout(r, 150)); c.write(part); }
    const r = await c.read();
    expect(r.status).toBe(200);
    expect(echoOf(r.body)).toMatchObject({ url: '/upload', bodyLength: 6 });
  });

  it('an upstream stalling mid-body past upstreamBodyMs: the client connection is cut', async () => {
    const up = await raw((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789'));
    const c = await client((await gateway(up.url, { timeouts: { upstreamBodyMs: 200 } })).port);
    c.write(get('/stall'));
    expect(await c.closesWithin(5000)).toBe(true);
    const got = c.pending.toString('latin1');
    expect(got.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(got.endsWith('\r\n\r\n0123456789')).toBe(true); // headers and the bytes that came, then nothing more
  });

  it('more concurrent requests than connections: all answered, never more than `connections` at the upstream', async () => {
    let now = 0;
    let peak = 0;
    const up = await echo((_q, res) => {
      peak = Math.max(peak, ++now);
      setTimeout(() => { now--; res.end('ok'); }, 30);
      return true;
    });
    const { url } = await gateway(up.url, { connections: 2 });
    const statuses = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const res = await request(url(`/q${i}`));
      await res.body.dump();
      return res.statusCode;
    }));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(peak).toBeLessThanOrEqual(2);
    expect(up.seen).toHaveLength(20);
  });

  it.each([
    ['garbage status line', 'HTTP/1.1 OK\r\n\r\n'],
    ['Content-Length with Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two different Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc'],
    ['space in a header name', 'HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok'],
    ['not HTTP at all', 'SSH-2.0-OpenSSH_9.6\r\n'],
  ])('a malformed upstream answer (%s): 502', async (_what, text) => {
    const up = await raw((s) => { s.write(text); });
    const { url } = await gateway(up.url);
    const res = await request(url('/bad'));
    expect(res.statusCode).toBe(502);
    await res.body.dump();
  });
});

describe('upstream connection reuse', () => {
  it('bytes after a complete answer are never handed to the next request on that connection', async () => {
    const up = await raw((s, received, index) => {
      const heads = requestHeads(received);
      if (!received.endsWith('\r\n\r\n')) return;
      // the first answer on the first connection carries a second, unrequested answer glued to it
      if (index === 0 && heads === 1) s.write(answer('ok') + answer('smuggled'));
      else s.write(answer(`genuine ${index}.${heads}`));
    });
    const { url } = await gateway(up.url, { connections: 1 });
    const [a, b] = await Promise.all([request(url('/1')), request(url('/2'))]);
    expect(await a.body.text()).toBe('ok');
    expect(await b.body.text()).toMatch(/^genuine /);
  });

  it('an upstream answering before the whole request body was sent: its connection is not reused', async () => {
    const up = await echo((req) => req.url === '/early'); // answered below, not by the echo
    // answer /early as soon as its head arrives, without reading the body
    up.server.prependListener('request', (req, res) => {
      if (req.url === '/early') { res.writeHead(200, { 'content-length': 5 }); res.end('early'); }
    });
    const { port, url } = await gateway(up.url, { connections: 1, timeouts: { upstreamHeadersMs: 2000 } });
    const c = await client(port);
    c.write('POST /early HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(10));
    expect((await c.read()).body.toString()).toBe('early');
    const after = await request(url('/after'));
    expect(after.statusCode).toBe(200);
    expect(echoOf(Buffer.from(await after.body.arrayBuffer())).url).toBe('/after');
  });

  it("an upstream's trailers are dropped, and never reach the next answer on that connection (another client's)", async () => {
    const up = await echo((req, res) => {
      if (req.url !== '/trail') return false;
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-trailer' });
      res.write('abc');
      res.addTrailers({ 'x-trailer': 'secret-of-client-1' });
      res.end();
      return true;
    });
    const { port } = await gateway(up.url, { connections: 1 });
    const one = await client(port);
    one.write(get('/trail'));
    const a = await one.read();
    expect(a.body.toString()).toBe('abc');
    expect(a.headers['x-trailer']).toBeUndefined();
    expect(one.pending.length).toBe(0); // no trailer section towards the client either
    const two = await client(port);
    two.write(get('/next'));
    const b = await two.read();
    expect(echoOf(b.body).url).toBe('/next');
    expect(b.headers['x-trailer']).toBeUndefined();
  });

  it('HEAD answers with a Content-Length do not leave the upstream connection waiting for a body', async () => {
    const up = await echo((req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.end(req.method === 'HEAD' ? undefined : 'y'.repeat(1000));
      return true;
    });
    const { url } = await gateway(up.url, { connections: 1 });
    for (const method of ['HEAD', 'GET', 'HEAD', 'GET'] as const) {
      const res = await request(url('/h'), { method });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-length']).toBe('1000');
      expect((await res.body.text()).length).toBe(method === 'HEAD' ? 0 : 1000);
    }
    await eventually(() => up.seen.length === 4, 2000, 'four requests');
  });
});
