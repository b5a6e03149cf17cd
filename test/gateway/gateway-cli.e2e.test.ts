import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree } from '../../bench/lib/proc-cpu.js';
import { run } from '../../src/cli/main.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { eventually, freePort } from './support/raw.js';
import { jsonAnswer, startUpstream, type TestUpstream } from './support/upstream.js';

// `siphon gateway start --workers 2` as a real process tree following the state store, driven by `siphon route`.
const BIN = join(import.meta.dirname, '../../bin/siphon.js');
let db: FreshDatabase;
let legacy: TestUpstream;
let next: TestUpstream;
let child: ChildProcess;
let port: number;
let adminPort: number;
let stderr = '';

async function side(path: string): Promise<string> {
  const res = await request(`http://127.0.0.1:${port}${path}`);
  return ((await res.body.json()) as { side: string }).side;
}

beforeAll(async () => {
  db = await freshDatabase('sqlite', 'gw_cli');
  legacy = await startUpstream(jsonAnswer('legacy'));
  next = await startUpstream(jsonAnswer('next'));
  expect(await run(['node', 'siphon', 'route', 'set', 'api', '--path', '/api/*', '--mode', 'legacy', '--state', db.url, '--reason', 'setup'])).toBe(0);
  port = await freePort();
  adminPort = await freePort();
  child = spawn(process.execPath, [BIN, 'gateway', 'start', '--legacy-http', legacy.url, '--next-http', next.url, '--port', String(port),
    '--admin-port', String(adminPort), '--state', db.url, '--workers', '2'], {
    env: { ...process.env, SIPHON_ADMIN_TOKEN: 'tok', SIPHON_LOG_LEVEL: 'warn', VITEST: '' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  // the admin port opens once every worker listens
  await eventually(async () => {
    try { return (await request(`http://127.0.0.1:${adminPort}/healthz`)).statusCode === 200; } catch { return false; }
  }, 45_000, 'the gateway cluster to start');
  expect(await side('/api/ping')).toBe('legacy');
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) { child.kill('SIGKILL'); }
  await legacy?.close(); await next?.close(); await db?.drop();
});

describe('siphon gateway start (cluster)', () => {
  it('replaces a worker that dies; metrics keep answering while the new one starts', async () => {
    // the primary's node children (tsx may run an esbuild service beside them); comm is the executable's name, cut at 15
    const node = basename(process.execPath).slice(0, 15);
    const workers = () => processTree(child.pid!).filter((p) => p !== child.pid && comm(p) === node);
    const before = workers();
    expect(before).toHaveLength(2);
    // the primary starts its workers without V8's memory reducer (bin/node-flags.js), and is not re-executed
    for (const w of before) expect(cmdline(w)).toContain('--no-memory-reducer');
    expect(cmdline(child.pid!)).not.toContain('--no-memory-reducer');
    process.kill(before[0]!, 'SIGKILL');
    await eventually(() => { const now = workers(); return now.length === 2 && !now.includes(before[0]!); }, 15_000, 'a new worker');
    // a scrape while the new worker is still loading answers from the serving one (it used to time out, whole)
    const scrape = await request(`http://127.0.0.1:${adminPort}/metrics`, { headers: { authorization: 'Bearer tok' } });
    expect(scrape.statusCode).toBe(200);
    expect(await scrape.body.text()).toMatch(/^# TYPE siphon_gateway_requests_total counter$/m); // a worker's own series
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => side(`/api/after${i}`)));
    expect(answers.every((s) => s === 'legacy')).toBe(true);
    expect(stderr).toContain('gateway worker died; starting a new one');
  }, 30_000);

  it('serves through 2 workers, applies `siphon route set` live, aggregates metrics, stops on SIGTERM', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => side(`/api/a${i}`)));
    expect(answers.every((s) => s === 'legacy')).toBe(true);

    expect(await run(['node', 'siphon', 'route', 'set', 'api', '--mode', 'next', '--state', db.url, '--reason', 'go'])).toBe(0);
    // every worker follows the store: many requests in a row all reach next once both have switched
    await eventually(async () => (await Promise.all(Array.from({ length: 20 }, () => side('/api/x')))).every((s) => s === 'next'),
      10_000, 'all workers on next');
    expect(await run(['node', 'siphon', 'route', 'rollback', '--state', db.url, '--reason', 'test rollback'])).toBe(0);
    await eventually(async () => (await Promise.all(Array.from({ length: 20 }, () => side('/api/y')))).every((s) => s === 'legacy'),
      10_000, 'all workers back on legacy');

    const denied = await request(`http://127.0.0.1:${adminPort}/metrics`);
    expect(denied.statusCode).toBe(401);
    await denied.body.dump();
    const metrics = await (await request(`http://127.0.0.1:${adminPort}/metrics`, { headers: { authorization: 'Bearer tok' } })).body.text();
    const served = [...metrics.matchAll(/^siphon_gateway_requests_total\{route="api",mode="legacy",side="legacy",status_class="2xx"\} (\d+)/gm)]
      .reduce((s, m) => s + Number(m[1]), 0);
    expect(served).toBeGreaterThanOrEqual(40); // summed over both workers (40 requests above, round-robin)

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});

/** Runs `siphon gateway start` to its end; its exit code and stderr. */
async function startFails(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const p = spawn(process.execPath, [BIN, 'gateway', 'start', '--legacy-http', 'http://127.0.0.1:1', '--next-http', 'http://127.0.0.1:2', ...args], {
    env: { ...process.env, SIPHON_ADMIN_TOKEN: 'tok', SIPHON_LOG_LEVEL: 'warn', VITEST: '' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  // A hang is the bug this guards against. Generous: a primary and two workers starting under tsx took 17 s at load 14
  // and over 30 s during a full suite on a loaded machine; a hang never ends, so any bound finds it.
  const timer = setTimeout(() => p.kill('SIGKILL'), 100_000);
  const [code] = await once(p, 'exit') as [number | null];
  clearTimeout(timer);
  return { code, stderr: err };
}

describe('siphon gateway start refuses a port it cannot take', () => {
  let taken: ReturnType<typeof createServer>;
  let takenPort: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    takenPort = (taken.address() as { port: number }).port;
  });
  afterAll(() => { taken?.close(); });

  it.each([1, 2])('--port in use, %i worker(s): exits 1 naming the address and the flag (no hang)', async (workers) => {
    const { code, stderr: err } = await startFails(['--routes', routesFile(), '--port', String(takenPort), '--workers', String(workers)]);
    expect(code).toBe(1);
    expect(err).toContain(`cannot listen on 127.0.0.1:${takenPort} (--port): the address is already in use`);
  }, 120_000);

  it('--admin-port in use, cluster: exits 1 and stops its workers', async () => {
    const gwPort = await freePort();
    const { code, stderr: err } = await startFails(['--routes', routesFile(), '--port', String(gwPort), '--admin-port', String(takenPort), '--workers', '2']);
    expect(code).toBe(1);
    expect(err).toContain(`cannot listen on 127.0.0.1:${takenPort} (--admin-port)`);
    // the workers left with the primary: nothing listens on the gateway port any more
    await expect(request(`http://127.0.0.1:${gwPort}/`)).rejects.toThrow(/ECONNREFUSED/);
  }, 120_000);
});

function cmdline(pid: number): string[] {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; }
}

function comm(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

function routesFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'siphon-gw-')), 'routes.json');
  writeFileSync(file, JSON.stringify([{ id: 'all', match: { path: '/*' }, mode: { kind: 'legacy' } }]));
  return file;
}
