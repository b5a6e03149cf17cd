/**
 * The figures cross processes: `siphon gateway start --workers 2` publishes route_stats from each worker into the
 * state store, `siphon canary run` (another process) judges them and moves the route, and the gateway follows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { freshDatabase, type FreshDatabase } from '../../support/engines.js';
import { eventually } from '../../gateway/support/raw.js';
import { jsonAnswer, startUpstream, type TestUpstream } from '../../gateway/support/upstream.js';

const BIN = join(import.meta.dirname, '../../../bin/siphon.js');
let db: FreshDatabase;
let legacy: TestUpstream;
let next: TestUpstream;
const children: ChildProcess[] = [];
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}
function siphonProcess(args: string[]): ChildProcess {
  const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SIPHON_LOG_LEVEL: 'warn', VITEST: '' }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(c);
  return c;
}
const sql = <T>(text: string): T[] => { const c = new Database(db.name, { readonly: true }); try { return c.prepare(text).all() as T[]; } finally { c.close(); } };

beforeAll(async () => {
  db = await freshDatabase('sqlite', 'canary_e2e');
  legacy = await startUpstream(jsonAnswer('legacy'));
  next = await startUpstream(jsonAnswer('next'));
  expect(await run(['node', 'siphon', 'route', 'set', 'api', '--path', '/api/*', '--mode', 'legacy', '--user-key', 'header:x-user', '--state', db.url])).toBe(0);
  port = await freePort();
  siphonProcess(['gateway', 'start', '--legacy-http', legacy.url, '--next-http', next.url, '--port', String(port), '--state', db.url, '--workers', '2']);
  await eventually(async () => {
    try { return (await request(`http://127.0.0.1:${port}/api/x`)).statusCode === 200; } catch { return false; }
  }, 90_000, 'the gateway cluster to start');
  siphonProcess(['canary', 'run', '--state', db.url, '--tick', '100']);
}, 120_000);

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) { c.kill('SIGTERM'); await Promise.race([once(c, 'exit'), new Promise((r) => setTimeout(r, 10_000))]); }
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  await legacy?.close(); await next?.close(); await db?.drop();
});

describe('canary analysis across processes', () => {
  it('gateway workers publish route_stats; `siphon canary run` promotes the route step by step', async () => {
    expect(await run(['node', 'siphon', 'canary', 'start', 'api', '--steps', '50,100', '--interval', '1s', '--passes', '2', '--min-requests', '5',
      '--max-diff-rate', 'off', '--max-latency-ratio', '5', '--state', db.url])).toBe(0);
    let i = 0;
    let sawNext = false;
    await eventually(async () => {
      // a small burst of users every turn; the route is promoted once two 1 s intervals at 50 % have passed
      await Promise.all(Array.from({ length: 10 }, async () => {
        const r = await request(`http://127.0.0.1:${port}/api/x`, { headers: { 'x-user': `u${i++}` } });
        if (((await r.body.json()) as { side: string }).side === 'next') sawNext = true;
      }));
      return sql<{ mode: string }>("SELECT mode FROM routes WHERE id = 'api'")[0]!.mode === 'next';
    }, 60_000, 'the canary to be promoted');
    expect(sawNext).toBe(true);
    // both worker processes publish (their flush marks), whichever got the keep-alive connections' requests
    expect(sql<{ n: number }>('SELECT COUNT(*) AS n FROM route_stats_sources')[0]!.n).toBe(2);
    expect(sql<{ n: number }>("SELECT COUNT(DISTINCT source) AS n FROM route_stats WHERE route_id = 'api'")[0]!.n).toBeGreaterThanOrEqual(1);
    expect(sql<{ action: string }>("SELECT action FROM audit WHERE action LIKE 'canary.%' ORDER BY id").map((a) => a.action))
      .toEqual(['canary.start', 'canary.promote']);
    const passing = sql<{ pass: number; percent: number }>("SELECT pass, percent FROM canary_verdicts WHERE route_id = 'api' AND pass = 1");
    expect(passing.length).toBeGreaterThanOrEqual(2);
    // the gateway follows the store: every user is on next now
    await eventually(async () => ((await (await request(`http://127.0.0.1:${port}/api/y`, { headers: { 'x-user': 'anyone' } })).body.json()) as { side: string }).side === 'next', 5000, 'the gateway to follow');
  }, 90_000);
});
