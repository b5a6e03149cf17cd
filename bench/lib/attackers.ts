import { connect, type Socket } from 'node:net';

/**
 * Hostile clients for bench:hostile, kept at a constant number: when the proxy closes one (timeout, 408), another
 * connects in its place. Each kind comes from its own loopback address (127.0.0.2, 127.0.0.3…), as attackers come from
 * their own machines, while normal users connect from 127.0.0.1.
 *
 * - `slow-body`: a POST head announcing 1,000 body bytes, then one byte every 2 s (issue 15, finding 1).
 * - `non-reading`: GET of a large body, never read (finding 2).
 */
export type AttackKind = 'slow-body' | 'non-reading';

export interface Attack {
  /** Connections made so far (the initial ones plus replacements). */
  readonly connects: number;
  /** Connections closed by the proxy (each is replaced). */
  readonly closedByProxy: number;
  stop(): void;
}

export function attack(kind: AttackKind, port: number, n: number, from: string, bigPath: string): Attack {
  const sockets = new Set<Socket>();
  let stopped = false;
  let connects = 0;
  let closedByProxy = 0;
  const open = (): void => {
    if (stopped) return;
    connects++;
    const s = connect({ port, host: '127.0.0.1', localAddress: from });
    sockets.add(s);
    let drip: NodeJS.Timeout | undefined;
    s.on('connect', () => {
      if (kind === 'slow-body') {
        s.write('POST /upload HTTP/1.1\r\nHost: bench\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n');
        drip = setInterval(() => s.write('x'), 2000);
      } else {
        s.write(`GET ${bigPath} HTTP/1.1\r\nHost: bench\r\n\r\n`);
        s.pause(); // never read: the kernel buffers fill, then the proxy's writes stall
      }
    });
    s.on('error', () => { /* replaced on close */ });
    s.on('close', () => {
      clearInterval(drip);
      sockets.delete(s);
      if (stopped) return;
      closedByProxy++;
      setTimeout(open, 50); // a replacement, a little later (no hot reconnect loop)
    });
  };
  // ramp up in batches: a thousand connects at once would measure the accept queue, not the proxy
  let started = 0;
  const ramp = setInterval(() => {
    for (let i = 0; i < 50 && started < n; i++, started++) open();
    if (started >= n) clearInterval(ramp);
  }, 20);
  return {
    get connects() { return connects; },
    get closedByProxy() { return closedByProxy; },
    stop() {
      stopped = true;
      clearInterval(ramp);
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}
