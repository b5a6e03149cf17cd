import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/server.js';
import type { GatewayOverrides } from '../../src/gateway/settings.js';
import { echoOf, rawHeader, sha, startEchoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { eventually, sleep } from './support/raw.js';
import { WireClient } from './support/wire.js';

// The client side of the gateway's HTTP/1.1 engine (src/gateway/http1/), driven over raw sockets where framing
// matters: pipelining, HTTP/1.0, HEAD/204/304, Expect, upgrades, client timeouts, half-close, body limits, bad bytes.
let up: EchoUpstream;
const releases: (() => void)[] = [];
beforeAll(async () => {
  up = await startEchoUpstream((req, res) => {
    const path = req.url!.split('?')[0];
    if (path === '/early') return true; // answered before its body (below)
    if (path === '/slow') { setTimeout(() => res.end(`slow ${req.url}`), 300); return true; }
    if (path === '/sized') { res.writeHead(200, { 'content-length': 1234, 'x-kind': 'sized' }); res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1234)); return true; }
    if (path === '/chunky') { res.writeHead(200, { 'content-type': 'text/plain' }); res.write('part one, '); res.end('part two'); return true; }
    if (path === '/204') { res.writeHead(204, { 'x-kind': 'none' }); res.end(); return true; }
    if (path === '/304') { res.writeHead(304, { etag: '"v1"' }); res.end(); return true; }
    if (path === '/hold') { res.writeHead(200, { 'content-type': 'text/plain' }); res.write('first part;'); releases.push(() => res.end('rest')); return true; }
    return false;
  });
  // answers /early as soon as its head arrives, before the request body
  up.server.prependListener('request', (req, res) => { if (req.url === '/early') res.end('early'); });
});
afterAll(async () => { await up.close(); });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (releases.length) releases.pop()!();
  while (cleanups.length) await cleanups.pop()!();
});

async function gateway(o: Partial<GatewayOverrides> = {}): Promise<number> {
  const gw = createGateway({ legacy: up.url, next: up.url, ...o });
  const { port } = await gw.listen(0);
  cleanups.push(() => gw.close());
  return port;
}
async function client(port: number): Promise<WireClient> {
  const c = await WireClient.open(port);
  cleanups.push(() => c.destroy());
  return c;
}

/** Sends `text` on a fresh connection: answered with `status`, the connection closed, nothing reached the upstream. */
async function refusedUnforwarded(text: string, status: number): Promise<void> {
  const before = up.seen.length;
  const c = await client(await gateway());
  c.write(text);
  expect((await c.read()).status).toBe(status);
  expect(await c.closesWithin(2000)).toBe(true);
  await sleep(20); // a forwarded request would reach the upstream about now
  expect(up.seen.length).toBe(before);
}
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

describe('pipelining', () => {
  it('answers three requests sent in one write, in order, bodies included', async () => {
    const c = await client(await gateway());
    const post = 'a'.repeat(5000);
    c.write(`POST /one HTTP/1.1\r\nHost: t\r\nContent-Length: ${post.length}\r\n\r\n${post}`
      + get('/two', 'x-echo-framing: chunked\r\n')
      + 'PUT /three HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    const [a, b, d] = [await c.read(), await c.read(), await c.read()];
    expect(echoOf(a.body)).toMatchObject({ method: 'POST', url: '/one', bodyLength: 5000, bodySha: sha(Buffer.from(post)) });
    expect(b.framing).toBe('chunked');
    expect(echoOf(b.body)).toMatchObject({ method: 'GET', url: '/two', bodyLength: 0 });
    expect(echoOf(d.body)).toMatchObject({ method: 'PUT', url: '/three', bodyLength: 5, bodySha: sha(Buffer.from('abcde')) });
    expect(c.pending.length).toBe(0);
  });

  it('keeps the order when the first upstream answer is slow', async () => {
    const c = await client(await gateway());
    c.write(get('/slow?1') + get('/two') + get('/three'));
    expect((await c.read()).body.toString()).toBe('slow /slow?1');
    expect(echoOf((await c.read()).body).url).toBe('/two');
    expect(echoOf((await c.read()).body).url).toBe('/three');
  });

  it('sends 100 Continue for a pipelined request only when its turn comes, not inside the previous answer', async () => {
    const c = await client(await gateway());
    c.write(get('/slow?first') + 'POST /second HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
    const first = await c.read();
    expect(first.interim).toEqual([]);
    expect(first.body.toString()).toBe('slow /slow?first');
    await eventually(() => c.pending.toString('latin1').startsWith('HTTP/1.1 100 Continue\r\n\r\n'), 3000, '100 Continue');
    c.write('xyz');
    const second = await c.read();
    expect(second.interim).toEqual([100]);
    expect(echoOf(second.body)).toMatchObject({ url: '/second', bodyLength: 3 });
  });
});

describe('HTTP/1.0 clients', () => {
  it('without keep-alive: answered (with a length, or close-delimited) and closed', async () => {
    const port = await gateway();
    const a = await client(port);
    a.write('GET /ten HTTP/1.0\r\nHost: t\r\n\r\n');
    const ra = await a.read();
    expect(ra.framing).toBe('length');
    expect(echoOf(ra.body).url).toBe('/ten');
    expect(await a.closesWithin(2000)).toBe(true);
    const b = await client(port);
    b.write('GET /chunky HTTP/1.0\r\nHost: t\r\n\r\n');
    const rb = await b.read();
    expect(rb.framing).toBe('close'); // an HTTP/1.0 client can not read chunked
    expect(rb.body.toString()).toBe('part one, part two');
  });

  it('with Connection: keep-alive: the connection stays open while a length frames the answer', async () => {
    const c = await client(await gateway());
    for (const path of ['/k1', '/k2']) {
      c.write(`GET ${path} HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n`);
      const r = await c.read();
      expect(r.headers.connection).toBe('keep-alive');
      expect(echoOf(r.body).url).toBe(path);
    }
    expect(c.ended).toBe(false);
    // an answer of unknown length can only be close-delimited for HTTP/1.0: then the connection closes
    c.write('GET /chunky HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n');
    const r = await c.read();
    expect(r.framing).toBe('close');
    expect(r.body.toString()).toBe('part one, part two');
  });
});

describe('bodiless answers', () => {
  it('HEAD keeps Content-Length and sends no body; 204 and 304 carry none; the connection stays usable', async () => {
    const c = await client(await gateway());
    c.write('HEAD /sized HTTP/1.1\r\nHost: t\r\n\r\n' + get('/204') + get('/304') + get('/after'));
    const head = await c.read({ head: true });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1234');
    expect(head.headers['transfer-encoding']).toBeUndefined();
    const s204 = await c.read();
    expect(s204.status).toBe(204);
    expect(s204.headers['transfer-encoding']).toBeUndefined();
    expect(s204.headers['x-kind']).toBe('none');
    const s304 = await c.read();
    expect(s304.status).toBe(304);
    expect(s304.headers.etag).toBe('"v1"');
    // had any body byte been sent above, this answer would not parse
    expect(echoOf((await c.read()).body).url).toBe('/after');
    expect(up.seen.find((s) => s.url === '/sized')?.method).toBe('HEAD');
  });
});

describe('Expect, Upgrade, CONNECT, transfer codings', () => {
  it('answers Expect: 100-continue with 100 Continue, then the answer; expect is not forwarded', async () => {
    const c = await client(await gateway());
    c.write('POST /expect HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await eventually(() => c.pending.toString('latin1') === 'HTTP/1.1 100 Continue\r\n\r\n', 3000, '100 Continue');
    c.write('body');
    const r = await c.read();
    expect(r.interim).toEqual([100]);
    const echo = echoOf(r.body);
    expect(echo).toMatchObject({ url: '/expect', bodyLength: 4 });
    expect(rawHeader(echo.rawHeaders, 'expect')).toBeUndefined();
  });

  it.each([
    ['Upgrade', 'GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
    ['a transfer coding besides chunked', 'POST /gz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
  ])('answers %s with 501 and closes, forwarding nothing', (_what, text) => refusedUnforwarded(text, 501));
});

describe('client timeouts', () => {
  it('answers 408 to a client trickling its headers past clientHeadersMs', async () => {
    const before = up.seen.length;
    const c = await client(await gateway({ timeouts: { clientHeadersMs: 300 } }));
    c.write('GET /slowloris HTTP/1.1\r\n');
    const trickle = setInterval(() => { if (!c.ended) c.write('X-A: b\r\n'); }, 40);
    try {
      expect((await c.read({ ms: 5000 })).status).toBe(408);
      expect(await c.closesWithin(2000)).toBe(true);
    } finally { clearInterval(trickle); }
    expect(up.seen.length).toBe(before);
  });

  it('a request completed after its 408 is never forwarded', async () => {
    const c = await client(await gateway({ timeouts: { clientHeadersMs: 200 } }));
    c.write('GET /too-late HTTP/1.1\r\nHost: t\r\n');
    expect((await c.read({ ms: 5000 })).status).toBe(408);
    c.write('X-A: b\r\n\r\n' + get('/after-408'));
    await sleep(100);
    expect(up.seen.some((s) => s.url === '/too-late' || s.url === '/after-408')).toBe(false);
  });

  it('bytes sent after a Connection: close request start no header timer: its slow answer arrives whole', async () => {
    // the bytes are no request (llhttp refuses anything after `close`); timing them as one cut the answer at 408
    const c = await client(await gateway({ timeouts: { clientHeadersMs: 100 } }));
    c.write(get('/slow?closing', 'Connection: close\r\n') + 'GET /ignored HTTP/1.1\r\n');
    const r = await c.read({ ms: 5000 });
    expect([r.status, r.body.toString()]).toEqual([200, 'slow /slow?closing']);
    expect(await c.closesWithin(2000)).toBe(true);
    expect(up.seen.some((s) => s.url === '/ignored')).toBe(false);
  });

  it('closes an idle keep-alive connection after idleMs', async () => {
    const c = await client(await gateway({ timeouts: { idleMs: 200 } }));
    c.write(get('/idle'));
    expect((await c.read()).status).toBe(200);
    expect(await c.closesWithin(5000)).toBe(true);
  });
});

describe('client half-close', () => {
  it('a FIN mid-answer aborts the upstream request', async () => {
    const c = await client(await gateway());
    c.write(get('/hold'));
    await eventually(() => c.pending.includes('first part;'), 3000, 'the first part of the answer');
    c.socket.end();
    await eventually(() => up.aborted.includes('/hold'), 3000, 'the upstream request aborted');
  });
});

describe('request bodies', () => {
  it('a chunked body over maxBodyBytes gets 413 and the connection closes', async () => {
    const c = await client(await gateway({ limits: { maxBodyBytes: 1000 } }));
    c.write('POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
    const piece = 'z'.repeat(600);
    c.write(`258\r\n${piece}\r\n`);
    c.write(`258\r\n${piece}\r\n`);
    const r = await c.read();
    expect(r.status).toBe(413);
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it('an answer given before the request body ended says connection: close, and the connection closes', async () => {
    const c = await client(await gateway());
    c.write('POST /early HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(10));
    const r = await c.read();
    expect(r.body.toString()).toBe('early');
    expect(r.headers.connection).toBe('close');
    expect(await c.closesWithin(2000)).toBe(true);
  });

  it('bodies above 64 KB, with Content-Length and chunked at odd splits, reach the upstream byte-exact', async () => {
    const c = await client(await gateway());
    const body = randomBytes(300 * 1024 + 7);
    c.write(`PUT /cl HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (let at = 0; at < body.length; at += 70_001) c.write(body.subarray(at, at + 70_001));
    expect(echoOf((await c.read()).body)).toMatchObject({ url: '/cl', bodyLength: body.length, bodySha: sha(body) });
    c.write('POST /te HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
    const sizes = [1, 65_536, 13, 99_999, 7];
    let at = 0;
    for (const n of sizes) {
      const part = body.subarray(at, at + n);
      at += n;
      const framed = Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), part, Buffer.from('\r\n')]);
      c.write(framed.subarray(0, 3)); // the chunk header itself split across writes
      c.write(framed.subarray(3));
    }
    c.write('0\r\n\r\n');
    const sent = body.subarray(0, at);
    expect(echoOf((await c.read()).body)).toMatchObject({ url: '/te', bodyLength: sent.length, bodySha: sha(sent) });
  });
});

describe('heads split across reads', () => {
  it('a long target and 100 headers written in small pieces arrive whole, in order', async () => {
    const c = await client(await gateway());
    c.socket.setNoDelay(true);
    const target = `/long/${'p'.repeat(3000)}?q=${'v'.repeat(500)}`;
    const names = Array.from({ length: 100 }, (_, i) => `X-H${i}`);
    const text = `GET ${target} HTTP/1.1\r\nHost: t\r\n${names.map((n, i) => `${n}: value ${i}\r\n`).join('')}\r\n`;
    for (let at = 0; at < text.length; at += 97) { c.write(text.slice(at, at + 97)); await sleep(2); }
    const echo = echoOf((await c.read()).body);
    expect(echo.url).toBe(target);
    const seen = echo.rawHeaders.filter((_, i) => i % 2 === 0 && echo.rawHeaders[i]!.startsWith('X-H'));
    expect(seen).toEqual(names);
    names.forEach((n, i) => expect(rawHeader(echo.rawHeaders, n.toLowerCase())).toBe(`value ${i}`));
  });
});

describe('trailers', () => {
  it('trailers of a chunked request are dropped, and never become headers of the next request', async () => {
    const c = await client(await gateway());
    c.write('POST /t1 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Injected: yes\r\n\r\n' + get('/t2'));
    const first = echoOf((await c.read()).body);
    expect(first).toMatchObject({ url: '/t1', bodyLength: 3 });
    const second = echoOf((await c.read()).body);
    expect(second.url).toBe('/t2');
    expect(rawHeader(first.rawHeaders, 'x-injected')).toBeUndefined();
    expect(rawHeader(second.rawHeaders, 'x-injected')).toBeUndefined();
  });
});

describe('bad requests', () => {
  it.each([
    ['space in a header name', 'GET / HTTP/1.1\r\nHo st: t\r\n\r\n'],
    ['control byte in the target', 'GET /a\x01b HTTP/1.1\r\nHost: t\r\n\r\n'],
    ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: t\r\nX-A: a\x00b\r\n\r\n'],
    ['not a request line', 'HELLO\r\n\r\n'],
    ['unknown HTTP version', 'GET / HTTP/9.9\r\nHost: t\r\n\r\n'],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: t\r\nHost: evil.example\r\n\r\n'],
    ['HTTP/1.1 without Host', 'GET /no-host HTTP/1.1\r\nX-A: b\r\n\r\n'],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\n\r\n'],
    ['bare LF line ends in headers', 'GET / HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n'],
    ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two Content-Length', 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
    ['non-numeric Content-Length', 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\nab'],
    ['bad chunk size', 'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n'],
    ['absolute-form target', 'GET http://evil.example/ HTTP/1.1\r\nHost: t\r\n\r\n'],
  ])('%s: 400 and closed, nothing forwarded', (_what, text) => refusedUnforwarded(text, 400));

  it('a head larger than maxHeaderSize gets 431', async () => {
    const c = await client(await gateway({ limits: { maxHeaderSize: 2048 } }));
    c.write(`GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'b'.repeat(4000)}\r\n\r\n`);
    expect((await c.read()).status).toBe(431);
    expect(await c.closesWithin(2000)).toBe(true);
  });
});
