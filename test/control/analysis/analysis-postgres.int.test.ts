/**
 * The analysis loop on a PostgreSQL state store, fed by a stand-in gateway process that writes route_stats rows
 * every bucket: a healthy route is promoted, a failing one rolled back, both read back with plain SQL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalysis, type Analysis } from '../../../src/control/analysis/analysis.js';
import { startCanary } from '../../../src/control/analysis/commands.js';
import { resolvePolicy } from '../../../src/control/analysis/config.js';
import { emptyCounts, STATS_BOUNDS, type RouteStatsRow } from '../../../src/control/analysis/figures.js';
import { openAnalysisStore } from '../../../src/control/analysis/store/open.js';
import type { AnalysisStore } from '../../../src/control/analysis/store/types.js';
import { createLogger } from '../../../src/observe/logger.js';
import { openStateStore } from '../../../src/state/open.js';
import type { StateStore } from '../../../src/state/types.js';
import { freshDatabase, type FreshDatabase } from '../../support/engines.js';

const BUCKET = 250;
let db: FreshDatabase;
let state: StateStore;
let store: AnalysisStore;
let analysis: Analysis;
let feeder: NodeJS.Timeout | undefined;
let feeding = true;
const log = createLogger('test.analysis.pg');
log.level = 'warn';

function rowFor(route: string, bucketStart: number, nextErrors: number): RouteStatsRow {
  const lat = (n: number) => emptyCounts().latency.map((_, i) => (i === STATS_BOUNDS.indexOf(0.005) ? n : 0));
  return { route, bucketStart, bucketMs: BUCKET, source: 'gw-1', legacy: { requests: 20, errors: 0, latency: lat(20) },
    next: { requests: 10, errors: nextErrors, latency: lat(10) }, fallbacks: 0, compared: 0, realDiffs: 0 };
}

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try { return (await c.query(text, params)).rows as T[]; } finally { await c.end(); }
}

beforeAll(async () => {
  db = await freshDatabase('postgres', 'siphon_an_loop');
  state = await openStateStore(db.url);
  store = await openAnalysisStore(db.url);
  await state.setRoutes([
    { id: 'good', match: { path: '/good/*' }, mode: 'legacy' },
    { id: 'bad', match: { path: '/bad/*' }, mode: 'legacy' },
    { id: 'orphan', match: { path: '/orphan/*' }, mode: 'legacy' },
  ], { actor: 'setup' });
  // the stand-in gateway: one flush per bucket, like createRouteStatsCollector
  const flush = async () => {
    const boundary = Math.floor(Date.now() / BUCKET) * BUCKET;
    await store.writeStats([rowFor('good', boundary - BUCKET, 0), rowFor('bad', boundary - BUCKET, 5)], 'gw-1', boundary);
  };
  const tick = () => { if (feeding) feeder = setTimeout(() => { void flush().finally(tick); }, BUCKET - (Date.now() % BUCKET) + 5); };
  tick();
  analysis = createAnalysis({ stores: { routes: state, analysis: store }, tickMs: 50, logger: log });
  await analysis.start();
}, 60_000);

afterAll(async () => {
  feeding = false;
  if (feeder) clearTimeout(feeder);
  await new Promise((r) => setTimeout(r, BUCKET * 2)); // a flush in flight ends
  await analysis?.stop();
  await store?.close();
  await state?.close();
  await db?.drop();
});

describe('canary analysis on a PostgreSQL state store', () => {
  it('promotes the healthy route and rolls back the failing one, verdicts and audit in PostgreSQL', async () => {
    const policy = resolvePolicy({ bucket: BUCKET, interval: 1000, minRequests: 5, maxDiffRate: null, steps: [10, 40, 100], passesPerStep: 1, threshold: 2 }, 'x');
    for (const route of ['good', 'bad']) await startCanary({ routes: state, analysis: store }, route, policy, { actor: 'ops' });
    const deadline = Date.now() + 60_000; // a bound for a hung test, not a timing assertion
    // a run's end is stored first, its route change right after (two writes, see the next test): wait for both
    let routes: { id: string; mode: string }[] = [];
    for (;;) {
      const runs = await store.listRuns();
      routes = await sql<{ id: string; mode: string }>("SELECT id, mode FROM siphon_state.routes WHERE id <> 'orphan' ORDER BY id");
      if (runs.every((r) => r.status !== 'progressing' && r.status !== 'waiting') && routes.every((r) => r.mode !== 'canary')) break;
      if (Date.now() > deadline) throw new Error(`runs never ended: ${JSON.stringify(runs)}, routes ${JSON.stringify(routes)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(routes).toEqual([{ id: 'bad', mode: 'legacy' }, { id: 'good', mode: 'next' }]);
    const audit = await sql<{ subject: string; action: string; reason: string }>(
      "SELECT subject, action, reason FROM siphon_state.audit WHERE action LIKE 'canary.%' ORDER BY id");
    expect(audit.filter((a) => a.subject === 'good').map((a) => a.action)).toEqual(['canary.start', 'canary.advance', 'canary.promote']);
    const bad = audit.filter((a) => a.subject === 'bad');
    expect(bad.map((a) => a.action)).toEqual(['canary.start', 'canary.rollback']);
    expect(bad[1]!.reason).toMatch(/error_rate failed \(next errors \d+\/\d+ = 50\.0% > max 1\.0%/);
    const verdicts = await sql<{ route_id: string; pass: boolean; failed: string; figures_json: { next: { requests: number } } }>(
      'SELECT route_id, pass, failed, figures_json FROM siphon_state.canary_verdicts ORDER BY id');
    expect(verdicts.filter((v) => v.route_id === 'bad' || v.route_id === 'good').length).toBeGreaterThan(0);
    expect(verdicts.filter((v) => v.route_id === 'bad').map((v) => [v.pass, v.failed])).toEqual([[false, 'error_rate'], [false, 'error_rate']]);
    // a late stand-in flush may skip a bucket under load: every bucket written holds 10 next requests
    expect(verdicts.filter((v) => v.route_id === 'good').every((v) => v.pass && v.figures_json.next.requests % 10 === 0 && v.figures_json.next.requests >= 10)).toBe(true);
  }, 90_000);

  it('finishes the route change of a run whose process died between its two writes', async () => {
    const policy = resolvePolicy({ bucket: BUCKET, interval: 60_000, maxDiffRate: null }, 'orphan');
    const run = await startCanary({ routes: state, analysis: store }, 'orphan', policy, { actor: 'ops' });
    // what a loop that died after its compare-and-set leaves behind: the run rolled back, the route still in canary
    await store.updateRun('orphan', run.revision, { status: 'rolled-back', lastReason: 'canary analysis at 1%: latency failed (…)' });
    const deadline = Date.now() + 30_000;
    while ((await sql<{ mode: string }>("SELECT mode FROM siphon_state.routes WHERE id = 'orphan'"))[0]!.mode !== 'legacy') {
      if (Date.now() > deadline) throw new Error('the route change was never completed');
      await new Promise((r) => setTimeout(r, 50));
    }
    const audit = await sql<{ action: string; reason: string }>("SELECT action, reason FROM siphon_state.audit WHERE subject = 'orphan' ORDER BY id");
    expect(audit.map((a) => a.action)).toEqual(['canary.start', 'canary.rollback']);
    expect(audit[1]!.reason).toContain('latency failed');
  }, 60_000);
});
