import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/server.js';
import type { GatewayOverrides } from '../../src/gateway/settings.js';
import { closedWithin, normalGets, rawSocket, startHeadRecorder, type HeadRecorder } from './support/hostile.js';
import { eventually, metricValue, rawExchange, sleep } from './support/raw.js';
import { startRawUpstream, WireClient } from './support/wire.js';

// The gateway under hostile clients (issue 15), over raw sockets: for each attack, what the gateway answered the
// attacker, what reached the upstream, and that ordinary requests sent at the same time were answered. Timeouts are
// set short so the tests are quick; nothing here asserts how long anything took.
let up: HeadRecorder;
beforeAll(async () => { up = await startHeadRecorder(); });
afterAll(async () => { await up.close(); });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  up.release();
  while (cleanups.length) await cleanups.pop()!();
});

async function gateway(o: Partial<GatewayOverrides> = {}, upstream = up.url): Promise<number> {
  const gw = createGateway({ legacy: upstream, next: upstream, ...o });
  const { port } = await gw.listen(0);
  cleanups.push(() => gw.close());
  return port;
}
async function attackers(port: number, n: number, first: string): Promise<Socket[]> {
  const all = await Promise.all(Array.from({ length: n }, () => rawSocket(port)));
  cleanups.push(() => { for (const s of all) s.destroy(); });
  for (const s of all) s.write(first);
  return all;
}
const headsOf = (what: string) => up.heads.filter((h) => h === what).length;

describe('slow request bodies', () => {
  it('clients dripping small bodies hold no upstream connection: ordinary requests are answered meanwhile', async () => {
    // 4 upstream connections, no per-client share: only the body buffering stands between the drip and the pool
    const port = await gateway({ connections: 4, limits: { clientShare: 1 }, timeouts: { upstreamHeadersMs: 20_000 } });
    const slow = await attackers(port, 12, 'POST /drip HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nx');
    await sleep(100);
    expect(await normalGets(port, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(headsOf('POST /drip')).toBe(0); // not one attacker's head reached the upstream
    expect(slow.every((s) => !s.destroyed)).toBe(true); // and the attackers are still there
  });

  it('a body that stops gets 408 (inactivity), and a body dripping below the minimum rate gets 408 too', async () => {
    const port = await gateway({ timeouts: { clientBodyIdleMs: 200 }, limits: { minBodyBytesPerSec: 1000 } });
    const [stopped] = await attackers(port, 1, 'POST /stop HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nab');
    const [drip] = await attackers(port, 1, 'POST /drip HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nab');
    const replies = [stopped!, drip!].map((s) => {
      let text = '';
      s.on('data', (d: Buffer) => { text += d.toString('latin1'); });
      return () => text;
    });
    // the drip keeps the inactivity timer happy (a byte every 50 ms) but stays far below 1,000 bytes/s
    const timer = setInterval(() => { if (!drip!.destroyed) drip!.write('y'); }, 50);
    cleanups.push(() => clearInterval(timer));
    expect(await closedWithin(stopped!, 5000)).toBe(true);
    expect(await closedWithin(drip!, 5000)).toBe(true);
    expect(replies.map((r) => r().split('\r\n')[0])).toEqual(['HTTP/1.1 408 Request Timeout', 'HTTP/1.1 408 Request Timeout']);
    expect(headsOf('POST /stop')).toBe(0);
    expect(await normalGets(port, 2)).toEqual([200, 200]);
  });
});

describe('clients that never read', () => {
  it('a stalled answer is cut after clientSendMs and its upstream exchange released: ordinary requests flow again', async () => {
    const gw = createGateway({ legacy: up.url, next: up.url, connections: 2, limits: { clientShare: 1 }, timeouts: { clientSendMs: 300 } });
    const { port } = await gw.listen(0);
    cleanups.push(() => gw.close());
    const readers = await attackers(port, 2, 'GET /big HTTP/1.1\r\nHost: t\r\n\r\n');
    await eventually(() => (up.open.get('/big') ?? 0) === 2, 5000, 'both /big exchanges at the upstream');
    // both connections are held by clients that never read: an ordinary request waits for one to be released
    expect(await normalGets(port, 2)).toEqual([200, 200]);
    // the upstream answers were abandoned (not read to their end) and the attackers' connections closed
    await eventually(() => up.cut.filter((p) => p === '/big').length === 2, 5000, 'both /big answers cut');
    await eventually(() => gw.server.connections.size === 0, 5000, 'the attackers disconnected');
    expect(readers.length).toBe(2);
  });
});

describe('per-client share of the pool', () => {
  it('one client holds at most its share; its further requests wait for its own turns while others are answered', async () => {
    const port = await gateway({ connections: 4, limits: { clientShare: 0.5, clientKeyHeader: 'x-user' } });
    await attackers(port, 6, 'GET /hold HTTP/1.1\r\nHost: t\r\nx-user: greedy\r\n\r\n');
    await eventually(() => (up.open.get('/hold') ?? 0) === 2, 5000, 'the greedy client at its share');
    expect(await normalGets(port, 3, 'x-user: someone-else\r\n')).toEqual([200, 200, 200]);
    expect(up.maxHold).toBe(2); // never more than its share at the upstream
    // its parked requests go out as its own end: all six are eventually served
    await eventually(() => { up.release(); return headsOf('GET /hold') === 6 && (up.open.get('/hold') ?? 0) === 0; }, 5000, 'all six served');
    expect(up.maxHold).toBe(2);
  });
});

describe('header floods and oversized heads', () => {
  it('10,000 empty headers: 431 without forwarding, and ordinary requests are answered alongside', async () => {
    const port = await gateway();
    const flood = `GET /flood HTTP/1.1\r\nHost: t\r\n${'a:\r\n'.repeat(10_000)}\r\n`;
    const [answers, normal] = await Promise.all([
      Promise.all(Array.from({ length: 4 }, () => rawExchange(port, flood))),
      normalGets(port, 4),
    ]);
    for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 431 /);
    expect(normal).toEqual([200, 200, 200, 200]);
    expect(headsOf('GET /flood')).toBe(0);
  });

  it('counts headers: maxHeaderCount passes, one more is 431', async () => {
    const port = await gateway({ limits: { maxHeaderCount: 20 } });
    const head = (n: number) =>
      `GET /count HTTP/1.1\r\n${Array.from({ length: n - 2 }, (_, i) => `x-h${i}: v\r\n`).join('')}Host: t\r\nConnection: close\r\n\r\n`;
    expect(await rawExchange(port, head(20))).toMatch(/^HTTP\/1\.1 200 /);
    expect(await rawExchange(port, head(21))).toMatch(/^HTTP\/1\.1 431 /);
    expect(headsOf('GET /count')).toBe(1);
  });

  it('counts every byte of the head: whitespace and line ends too, not only names and values', async () => {
    const port = await gateway({ limits: { maxHeaderSize: 4096 } });
    // 30 lines of 200 bytes: 6 KB of head, of which names and values are 60 bytes
    const padded = `GET /padded HTTP/1.1\r\nHost: t\r\n${`x:${' '.repeat(195)}v\r\n`.repeat(30)}\r\n`;
    expect(await rawExchange(port, padded)).toMatch(/^HTTP\/1\.1 431 /);
    expect(headsOf('GET /padded')).toBe(0);
    expect(await normalGets(port, 1)).toEqual([200]);
  });
});

describe('bad framing with a warm pool', () => {
  it('a chunked body with a bad chunk size is refused before its head reaches the (already connected) upstream', async () => {
    const port = await gateway({ connections: 1 });
    const c = await WireClient.open(port);
    cleanups.push(() => c.destroy());
    c.write('GET /warm HTTP/1.1\r\nHost: t\r\n\r\n');
    expect((await c.read()).status).toBe(200); // the pool's connection is open and idle now
    const answer = await rawExchange(port, 'POST /bad-chunk HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await sleep(50);
    expect(headsOf('POST /bad-chunk')).toBe(0);
    expect(await normalGets(port, 2)).toEqual([200, 200]);
  });
});

describe('garbage from the upstream', () => {
  it('a malformed answer in the first read gets 502 (nothing was sent yet), not a cut connection', async () => {
    const garbage = await startRawUpstream((s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n');
    });
    cleanups.push(() => garbage.close());
    const port = await gateway({}, garbage.url);
    const c = await WireClient.open(port);
    cleanups.push(() => c.destroy());
    c.write('GET /x HTTP/1.1\r\nHost: t\r\n\r\n');
    const res = await c.read();
    expect(res.status).toBe(502);
    // the connection stays usable for the next request
    c.write('GET /y HTTP/1.1\r\nHost: t\r\n\r\n');
    expect((await c.read()).status).toBe(502);
  });
});

describe('protocol versions', () => {
  it.each(['HTTP/2.0', 'HTTP/0.9'])('%s in the request line: 505, nothing forwarded', async (version) => {
    const port = await gateway();
    const answer = await rawExchange(port, `GET /version HTTP/1.1\r\nHost: t\r\n\r\n`.replace('HTTP/1.1', version));
    expect(answer).toMatch(/^HTTP\/1\.1 505 /);
    expect(headsOf('GET /version')).toBe(0);
    expect(await normalGets(port, 1)).toEqual([200]);
  });
});

describe('slow heads', () => {
  it('a head trickled past clientHeadersMs gets 408; ordinary requests are answered meanwhile', async () => {
    const port = await gateway({ timeouts: { clientHeadersMs: 300 } });
    const slow = await attackers(port, 8, 'GET /slowloris HTTP/1.1\r\nHost: t\r\n');
    const timer = setInterval(() => { for (const s of slow) if (!s.destroyed) s.write('x-a: b\r\n'); }, 50);
    cleanups.push(() => clearInterval(timer));
    expect(await normalGets(port, 3)).toEqual([200, 200, 200]);
    for (const s of slow) expect(await closedWithin(s, 5000)).toBe(true);
    expect(headsOf('GET /slowloris')).toBe(0);
  });
});

describe('connection cap', () => {
  it('past maxClientConnections a new connection gets 503 and is closed, counted; served again once below', async () => {
    const port = await gateway({ limits: { maxClientConnections: 3 } });
    const before = await metricValue('siphon_gateway_requests_rejected_total', { reason: 'connection_limit' });
    const held = await Promise.all([1, 2, 3].map(() => WireClient.open(port)));
    cleanups.push(() => { for (const c of held) c.destroy(); });
    for (const c of held) { c.write('GET /ok HTTP/1.1\r\nHost: t\r\n\r\n'); expect((await c.read()).status).toBe(200); }
    expect(await rawExchange(port, 'GET /ok HTTP/1.1\r\nHost: t\r\n\r\n')).toMatch(/^HTTP\/1\.1 503 /);
    expect(await metricValue('siphon_gateway_requests_rejected_total', { reason: 'connection_limit' })).toBe(before + 1);
    held.pop()!.destroy();
    await eventually(async () => (await normalGets(port, 1, '', 2000))[0] === 200, 5000, 'a connection accepted again');
  });
});
