import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { WireClient } from './wire.js';

/**
 * An upstream for hostile-client tests that records request heads the moment they arrive (a head forwarded and then
 * abandoned counts, unlike an echo recorded at the body's end): `/ok` answers a small JSON, `/big` 64 MB honouring
 * backpressure, `/hold` waits for `release()`, anything with a body answers once the body has ended.
 */
export interface HeadRecorder {
  readonly url: string;
  /** `METHOD path` of every head received, in order. */
  readonly heads: string[];
  /** Answers the upstream started and never finished (the gateway cut the exchange). */
  readonly cut: string[];
  /** Exchanges open at the upstream right now, by path, and the most ever open at once for `/hold`. */
  readonly open: Map<string, number>;
  maxHold: number;
  release(): void;
  close(): Promise<void>;
}

export async function startHeadRecorder(): Promise<HeadRecorder> {
  const held: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const rec: HeadRecorder = {
    url: '', heads: [], cut: [], open: new Map(), maxHold: 0,
    release() { for (const r of held.splice(0)) r.end('released'); },
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
  const server: Server = createServer((req, res) => {
    const path = req.url!.split('?')[0]!;
    rec.heads.push(`${req.method} ${path}`);
    rec.open.set(path, (rec.open.get(path) ?? 0) + 1);
    res.on('close', () => {
      rec.open.set(path, rec.open.get(path)! - 1);
      if (!res.writableFinished) rec.cut.push(path);
    });
    if (path === '/hold') {
      rec.maxHold = Math.max(rec.maxHold, rec.open.get(path)!);
      held.push(res);
      return;
    }
    if (path === '/big') {
      const chunk = Buffer.alloc(64 * 1024, 120);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 * chunk.length });
      let n = 0;
      const pump = (): void => {
        while (n < 1024) { n++; if (!res.write(chunk)) { res.once('drain', pump); return; } }
        res.end();
      };
      pump();
      return;
    }
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ ok: path })));
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(rec, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

/** Opens a raw connection (not a WireClient: attackers never read unless told to). */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
    s.on('error', () => { /* the gateway may cut it: that is what some tests wait for */ });
  });
}

/** Resolves when the socket is closed by the other side (or destroyed), false after `ms`. */
export function closedWithin(s: Socket, ms: number): Promise<boolean> {
  if (s.destroyed || s.readableEnded) return Promise.resolve(true);
  return new Promise((r) => {
    const t = setTimeout(() => r(false), ms);
    const done = (): void => { clearTimeout(t); r(true); };
    s.once('close', done);
    s.once('end', done);
  });
}

/** `n` ordinary GETs, each on its own connection, all at once: their statuses (0 for no answer in `ms`). */
export async function normalGets(port: number, n: number, extra = '', ms = 8000): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const c = await WireClient.open(port);
    try {
      c.write(`GET /ok?n=${i} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`);
      return (await c.read({ ms })).status;
    } catch {
      return 0;
    } finally {
      c.destroy();
    }
  }));
}
