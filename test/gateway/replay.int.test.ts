import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, appendFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/main.js';
import { Redactor } from '../../src/gateway/diff/redact.js';
import { encodeExchange, parseRecordedLine } from '../../src/gateway/record/record-format.js';
import { startRecording } from '../../src/gateway/record/record-mode.js';
import { replay } from '../../src/gateway/record/replayer.js';

/**
 * Small HTTP apps standing in for legacy and next. Every answer carries noise (a timestamp and a generated id). Next
 * has three injected faults: `customerName` renamed to `customer_name`, invoice totals rounded differently on every
 * 4th invoice, and an unknown payment answered 400 where legacy says 404 (every 5th payment).
 */
interface App { server: Server; url: string; seen: { method: string; url: string; headers: IncomingMessage['headers'] }[] }
let tick = 0;
async function startApp(flavor: 'legacy' | 'next'): Promise<App> {
  const seen: App['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const noise = { generatedAt: new Date(Date.UTC(2026, 0, 1) + tick++).toISOString(), requestId: randomUUID() };
      const send = (status: number, body: unknown): void => {
        const text = JSON.stringify(body).replace(/"__num:([^"]+)"/g, '$1');
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const m = /^\/(customers|invoices|payments)\/(\d+)$/.exec(req.url ?? '');
      const id = Number(m?.[2]);
      if (req.method === 'POST' && req.url === '/payments') return send(201, { created: true, dryRun: req.headers['x-siphon-dry-run'] === '1' });
      if (!m) return send(404, { error: 'no route' });
      switch (m[1]) {
        case 'customers': {
          const name = `Customer ${id}`;
          return send(200, { id, ...(flavor === 'legacy' ? { customerName: name } : { customer_name: name }), email: `c${id}@example.com`, ...noise });
        }
        case 'invoices': {
          const total = id % 4 === 0 ? (flavor === 'legacy' ? '__num:12.35' : '__num:12.34') : '__num:10.50';
          return send(200, { id, total, currency: 'EUR', ...noise });
        }
        default:
          if (id % 5 === 0) return send(flavor === 'legacy' ? 404 : 400, { error: 'unknown payment', ...noise });
          return send(200, { id, amount: 5, ...noise });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const dir = mkdtempSync(join(tmpdir(), 'siphon-replay-'));
let legacy: App;
let next: App;
const N = 40;
const recording = join(dir, 'traffic.jsonl');

beforeAll(async () => {
  legacy = await startApp('legacy');
  next = await startApp('next');
  // record: the gateway answers from legacy and copies each safe request to legacy again (a second legacy answer)
  const session = await startRecording({ legacy: legacy.url, out: recording });
  const gw = `http://127.0.0.1:${session.port}`;
  for (let i = 0; i < N; i++) {
    for (const kind of ['customers', 'invoices', 'payments']) {
      const res = await request(`${gw}/${kind}/${i}`, { headers: { authorization: 'Bearer TOPSECRET', cookie: 'sid=abc' } });
      await res.body.text();
    }
  }
  const posted = await request(`${gw}/payments`, { method: 'POST', body: '{"amount":5}', headers: { 'content-type': 'application/json' } });
  expect(posted.statusCode).toBe(201);
  await posted.body.text();
  const stats = await session.stop();
  expect(stats).toMatchObject({ recorded: 3 * N, dropped: 0, failed: 0 });
  // a recorded write (as a route with mirrorWrites would produce) to check --allow-writes
  const write = encodeExchange({
    routeId: 'pay', endpoint: 'POST /payments', traceId: 'ab'.repeat(16), at: Date.now(),
    request: { method: 'POST', url: '/payments', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"amount":5}') },
    legacy: { status: 201, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"created":true,"dryRun":true}'), truncated: false, durationMs: 1 },
    next: { status: 201, headers: {}, body: Buffer.alloc(0), truncated: false, durationMs: 1 },
  }, { redactor: new Redactor(), includeNext: false });
  appendFileSync(recording, `${JSON.stringify(write)}\n`);
});

afterAll(async () => {
  await Promise.all([legacy, next].map((a) => new Promise((r) => a.server.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

describe('record → replay round trip', () => {
  it('recorded every safe exchange through the real gateway, redacted, with a second legacy answer', () => {
    const text = readFileSync(recording, 'utf8');
    for (const secret of ['TOPSECRET', 'sid=abc', '@example.com']) expect(text).not.toContain(secret);
    const lines = text.trimEnd().split('\n').map((l, i) => parseRecordedLine(l, recording, i + 1));
    expect(lines).toHaveLength(3 * N + 1);
    const gets = lines.filter((l) => l.request.method === 'GET');
    expect(new Set(gets.map((l) => l.endpoint))).toEqual(new Set(['GET /customers/:id', 'GET /invoices/:id', 'GET /payments/:id']));
    for (const l of gets) {
      expect(l.request.headers.authorization).toBe('***');
      expect(l.legacy2?.status).toBe(l.legacy.status);
      expect(l.next).toBeUndefined();
    }
  });

  it('replays to next and reports exactly the injected differences, noise cancelled by the recorded legacy2', async () => {
    const before = next.seen.length;
    const r = await replay({ files: [recording], to: next.url, rate: 500, concurrency: 8 });
    expect(r).toMatchObject({ sent: 3 * N, failed: 0, skippedWrites: 1, invalidLines: 0 });
    expect(next.seen.length - before).toBe(3 * N);
    // the redacted credentials were not sent; replay markers were
    const hit = next.seen.at(-1)!;
    expect(hit.headers.authorization).toBeUndefined();
    expect(hit.headers['x-siphon-replay']).toBe('1');
    expect(hit.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const real = r.report.endpoints.map((e) => [e.endpoint, e.fields.filter((f) => f.real).map((f) => `${f.kinds.map((k) => k.kind).join('+')} ${f.path}`).sort()]);
    expect(real).toEqual([
      ['GET /customers/:id', ['extra $.customer_name', 'missing $.customerName']],
      ['GET /invoices/:id', ['value $.total']],
      ['GET /payments/:id', ['value status']],
    ]);
    const compat = Object.fromEntries(r.report.endpoints.map((e) => [e.endpoint, e.compatibility]));
    expect(compat).toEqual({ 'GET /customers/:id': 0, 'GET /invoices/:id': 0.75, 'GET /payments/:id': 0.8 });
    const noise = r.report.endpoints[1]!.fields.filter((f) => !f.real).map((f) => f.path).sort();
    expect(noise).toEqual(['$.generatedAt', '$.requestId']);
    const sample = r.report.endpoints[1]!.fields[0]!.kinds[0]!.samples[0]!;
    expect(sample).toMatchObject({ request: 'GET /invoices/0', legacy: '12.35', next: '12.34' });
  });

  it('replays writes only with --allow-writes, marked dry-run', async () => {
    const r = await replay({ files: [recording], to: next.url, allowWrites: true, concurrency: 4 });
    expect(r.skippedWrites).toBe(0);
    expect(r.sent).toBe(3 * N + 1);
    const post = next.seen.filter((s) => s.method === 'POST');
    expect(post).toHaveLength(1);
    expect(post[0]!.headers['x-siphon-dry-run']).toBe('1');
    expect(r.report.endpoints.find((e) => e.endpoint === 'POST /payments')?.compatibility).toBe(1);
  });

  it('siphon replay CLI: exit 1 with differences, JSON output, exit 2 on bad usage with a clear message', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err.push(String(s)); return true; });
    try {
      process.exitCode = undefined;
      expect(await run(['node', 'siphon', 'replay', recording, '--to', next.url, '--json', '--ignore', '$.requestId'])).toBe(1);
      const parsed = JSON.parse(out.join('')) as { sent: number; report: { compatibility: number } };
      expect(parsed.sent).toBe(3 * N);
      expect(parsed.report.compatibility).toBeCloseTo((0 + 30 + 32) / (3 * N), 6);
      out.length = 0;
      process.exitCode = undefined;
      expect(await run(['node', 'siphon', 'replay', recording, '--to', next.url, '--limit', '5'])).toBe(1);
      expect(out.join('')).toMatch(/replayed 5 requests .*\n.*compatibility/);
      process.exitCode = undefined;
      expect(await run(['node', 'siphon', 'replay', join(dir, 'missing.jsonl'), '--to', next.url])).toBe(2);
      expect(err.join('')).toMatch(/recording .*missing\.jsonl does not exist/);
      process.exitCode = undefined;
      expect(await run(['node', 'siphon', 'replay', recording, '--to', 'ftp://x'])).toBe(2);
      expect(err.join('')).toMatch(/--to: must be http/);
      process.exitCode = undefined;
      expect(await run(['node', 'siphon', 'replay', recording, '--to', next.url, '--rate', '-3'])).toBe(2);
    } finally {
      so.mockRestore();
      se.mockRestore();
      process.exitCode = undefined;
    }
  });

  it('invalid lines are counted and named by file and line, the rest still replays', async () => {
    const bad = join(dir, 'bad.jsonl');
    const good = readFileSync(recording, 'utf8').split('\n')[0]!;
    appendFileSync(bad, `${good}\nnot json\n${good}\n`);
    const r = await replay({ files: [bad], to: next.url });
    expect(r).toMatchObject({ sent: 2, invalidLines: 1 });
    expect(r.errors[0]).toMatch(/bad\.jsonl:2: not JSON/);
  });

  it('siphon record CLI: runs the gateway in record mode until stopped and prints its counts', async () => {
    const out = join(dir, 'cli.jsonl');
    const port = await freePort();
    const stdout: string[] = [];
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout.push(String(s)); return true; });
    const se = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = process.listenerCount('SIGTERM');
    try {
      process.exitCode = undefined;
      const done = run(['node', 'siphon', 'record', '--legacy-http', legacy.url, '--out', out, '--port', String(port), '--sample', '1/2', '--duration', '120']);
      await waitForPort(port);
      for (let i = 1; i <= 6; i++) await (await request(`http://127.0.0.1:${port}/invoices/${i}`)).body.text();
      // stop it as an operator would (SIGTERM), without a real signal to the test process
      expect(process.listenerCount('SIGTERM')).toBe(before + 1);
      process.emit('SIGTERM');
      expect(await done).toBe(0);
    } finally {
      so.mockRestore();
      se.mockRestore();
      process.exitCode = undefined;
    }
    expect(JSON.parse(stdout.join(''))).toMatchObject({ out, seen: 6, recorded: 3, sampledOut: 3, dropped: 0 });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l, i) => parseRecordedLine(l, out, i + 1));
    // one in two, in the order the mirror completed them
    const urls = lines.map((l) => l.request.url);
    expect(new Set(urls).size).toBe(3);
    for (const u of urls) expect(u).toMatch(/^\/invoices\/[1-6]$/);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('record mode can call legacy once per request (mirror to a null upstream) and then stores legacy alone', async () => {
    const out = join(dir, 'once.jsonl');
    const before = legacy.seen.length;
    const session = await startRecording({ legacy: legacy.url, out, mirrorTo: 'none' });
    for (let i = 1; i <= 5; i++) await (await request(`http://127.0.0.1:${session.port}/customers/${i}`)).body.text();
    expect(await session.stop()).toMatchObject({ recorded: 5, failed: 0 });
    expect(legacy.seen.length - before).toBe(5);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l, i) => parseRecordedLine(l, out, i + 1));
    expect(lines.map((l) => [l.legacy.status, l.legacy2, l.next])).toEqual(Array(5).fill([200, undefined, undefined]));
  });

  it('siphon record CLI: bad flags are usage errors naming the flag', async () => {
    const err: string[] = [];
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err.push(String(s)); return true; });
    try {
      expect(await run(['node', 'siphon', 'record', '--legacy-http', legacy.url, '--out', join(dir, 'x.jsonl'), '--sample', '5'])).toBe(2);
      expect(err.join('')).toMatch(/--sample: "5" is neither a rate/);
      expect(await run(['node', 'siphon', 'record', '--out', join(dir, 'x.jsonl')])).toBe(2);
      expect(err.join('')).toMatch(/no legacy origin/);
      expect(await run(['node', 'siphon', 'record', '--legacy-http', legacy.url, '--out', join(dir, 'x.jsonl'), '--mirror-to', 'nowhere'])).toBe(2);
      expect(err.join('')).toMatch(/--mirror-to: must be "legacy", "next" or "none"/);
      expect(await run(['node', 'siphon', 'record', '--legacy-http', legacy.url, '--out', join(dir, 'no', 'such', 'dir.jsonl'), '--port', '0'])).toBe(2);
      expect(err.join('')).toMatch(/--out: cannot open .*dir\.jsonl for appending: ENOENT/);
    } finally {
      se.mockRestore();
      process.exitCode = undefined;
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on ${port}`);
}
