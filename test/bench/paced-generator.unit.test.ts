// The C paced generator (bench/lib/paced.c) against a raw TCP server that frames its answers in every way the
// parser must follow: Content-Length and chunked bodies split at awkward byte positions over several writes, a body
// ending at close, 204, an interim 100, and malformed answers. Latency checks are lower bounds only (a slower
// machine can only raise them): a server delay must show in p99, and with one connection the requests held back
// behind a slow answer must be charged for their wait (no coordinated omission).
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePacedBinary } from '../../bench/lib/paced-bin.js';
import { runPacedBinary } from '../../bench/lib/paced.js';
import { REFUSED_PORT } from '../support/refused-port.js';

const run = promisify(execFile);
const tick = () => new Promise((r) => setImmediate(r));

/** Writes the pieces one by one, each in its own write and event-loop turn, so the client reads them separately. */
async function writeSplit(s: Socket, pieces: string[]): Promise<void> {
  for (const p of pieces) { s.write(p); await new Promise((r) => setTimeout(r, 1)); }
}

const body = 'x'.repeat(3000);
let requests: { path: string; host: string }[] = [];
let served = 0;

/** Answers by path; every 100th answer of /slow50 comes 50 ms late. */
async function answer(s: Socket, path: string): Promise<void> {
  switch (path) {
    case '/cl': // split inside the status line, inside a CRLF, and inside the body
      return writeSplit(s, ['HTTP/1.', `1 200 OK\r\nContent-Length: ${body.length}\r`, `\n\r\n${body.slice(0, 7)}`, body.slice(7)]);
    case '/chunked': { // extensions, a trailer, pieces cut inside sizes and CRLFs
      const raw = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n' +
        `a;ext=1\r\n${body.slice(0, 10)}\r\n${(2990).toString(16)}\r\n${body.slice(10)}\r\n0\r\nX-Trailer: t\r\n\r\n`;
      const cuts = [5, 40, 49, 52, 55, 63, 64, 67, 1000, raw.length - 3, raw.length - 1]; // 55 and 67 split CR from LF
      return writeSplit(s, cuts.map((c, i) => raw.slice(i === 0 ? 0 : cuts[i - 1], c)).concat(raw.slice(cuts.at(-1))));
    }
    case '/close': // no length: the body ends when the server closes
      await writeSplit(s, ['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', body]);
      s.end();
      return;
    case '/204': s.write('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n'); return;
    case '/100': return writeSplit(s, ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']);
    case '/500': s.write('HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy'); return;
    case '/garbage': s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'); return; // bytes after the end
    case '/bad': s.write('HTP 200\r\n\r\n'); return;
    case '/slow50':
      if (++served % 100 === 0) await new Promise((r) => setTimeout(r, 50));
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      return;
    default: s.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  }
}

let server: Server;
let base = '';
let bin = '';

beforeAll(async () => {
  bin = ensurePacedBinary() ?? '';
  server = createServer((s) => {
    let buf = '';
    s.setNoDelay(true);
    s.on('error', () => {});
    s.on('data', async (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const [, path = ''] = /^GET (\S+) HTTP\/1\.1/.exec(head) ?? [];
        requests.push({ path, host: /\r\nHost: (.*)/i.exec(head)?.[1] ?? '' });
        await answer(s, path);
        await tick();
      }
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => { server.close(); });

describe('C paced generator', () => {
  it('compiles', () => { expect(bin).not.toBe(''); });

  it.each(['/cl', '/chunked', '/close', '/204', '/100'])('follows %s answers to their end, one request per answer', async (path) => {
    requests = [];
    const r = await runPacedBinary(bin, { url: base + path, rate: 200, durationMs: 500, connections: 4 });
    expect({ sent: r.sent, completed: r.completed, errors: r.errors, non2xx: r.non2xx }).toEqual({ sent: 100, completed: 100, errors: 0, non2xx: 0 });
    expect(requests).toHaveLength(100);
    expect(new Set(requests.map((q) => `${q.path} ${q.host}`))).toEqual(new Set([`${path} ${base.slice(7)}`]));
    expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
    expect(r.generatorCpuMs).toBeGreaterThan(0);
  });

  it('counts non-2xx answers apart from errors', async () => {
    const r = await runPacedBinary(bin, { url: `${base}/500`, rate: 200, durationMs: 250, connections: 2 });
    expect({ completed: r.completed, errors: r.errors, non2xx: r.non2xx }).toEqual({ completed: 50, errors: 0, non2xx: 50 });
  });

  it.each(['/garbage', '/bad'])('counts %s answers as errors and reconnects', async (path) => {
    const r = await runPacedBinary(bin, { url: base + path, rate: 200, durationMs: 250, connections: 2 });
    expect({ sent: r.sent, completed: r.completed, errors: r.errors }).toEqual({ sent: 50, completed: 0, errors: 50 });
    expect(r.p99Ms).toBeNaN();
  });

  it('counts a refused connection as errors and gives up after the drain time', async () => {
    const { stdout } = await run(bin, [`http://127.0.0.1:${REFUSED_PORT}/`, '100', '200', '2', '100']);
    const r = JSON.parse(stdout) as { sent: number; completed: number; errors: number };
    expect(r.completed).toBe(0);
    expect(r.errors).toBeGreaterThanOrEqual(20); // the 20 requests never answered, plus the refused connects
  });

  it('shows a server delay of 50 ms on 1 answer in 100 in p99', async () => {
    served = 0;
    const r = await runPacedBinary(bin, { url: `${base}/slow50`, rate: 500, durationMs: 2000, connections: 16 });
    expect({ completed: r.completed, errors: r.errors }).toEqual({ completed: 1000, errors: 0 });
    // 49: Node's setTimeout counts from a millisecond-rounded start and may fire up to 1 ms early
    expect(r.p99Ms).toBeGreaterThanOrEqual(49);
    expect(r.maxMs).toBeGreaterThanOrEqual(49);
  });

  it('charges the requests held back behind a slow answer for their wait (no coordinated omission)', async () => {
    served = 0;
    // one connection at 1,000/s: each 50 ms answer holds back ~50 requests due meanwhile, waiting 50…1 ms, so about a
    // quarter of all requests wait 25 ms or more; a closed-loop generator would report them as fast
    const r = await runPacedBinary(bin, { url: `${base}/slow50`, rate: 1000, durationMs: 1000, connections: 1 });
    expect({ completed: r.completed, errors: r.errors }).toEqual({ completed: 1000, errors: 0 });
    expect(r.p90Ms).toBeGreaterThanOrEqual(20);
  });
});
