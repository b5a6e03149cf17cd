import pg from 'pg';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/control/analysis/config.js';
import { emptyCounts, type RouteStatsRow } from '../../../src/control/analysis/figures.js';
import { openAnalysisStore } from '../../../src/control/analysis/store/open.js';
import type { AnalysisStore } from '../../../src/control/analysis/store/types.js';
import { CanaryStateError } from '../../../src/control/analysis/errors.js';
import { openStateStore } from '../../../src/state/open.js';
import type { StateStore } from '../../../src/state/types.js';
import { freshDatabase, type FreshDatabase } from '../../support/engines.js';

/** Plain SQL on the store's own tables, independent of the adapter under test. */
async function sql(db: FreshDatabase, text: string): Promise<Record<string, unknown>[]> {
  if (db.dialect === 'sqlite') {
    const c = new Database(db.name, { readonly: true });
    try { return c.prepare(text.replaceAll('siphon_state.', '')).all() as Record<string, unknown>[]; } finally { c.close(); }
  }
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try { return (await c.query(text)).rows as Record<string, unknown>[]; } finally { await c.end(); }
}

function row(route: string, bucketStart: number, source: string, next: number): RouteStatsRow {
  const latency = emptyCounts().latency.map((_, i) => (i === 3 ? next : 0));
  return { route, bucketStart, bucketMs: 1000, source, legacy: { requests: 2, errors: 0, latency: emptyCounts().latency },
    next: { requests: next, errors: 1, latency }, fallbacks: 1, compared: next, realDiffs: 0 };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`analysis store on ${dialect}`, () => {
    let db: FreshDatabase;
    let state: StateStore;
    let store: AnalysisStore;
    beforeAll(async () => {
      db = await freshDatabase(dialect, 'siphon_an');
      state = await openStateStore(db.url); // migrations, including 31
      store = await openAnalysisStore(db.url);
    });
    afterAll(async () => { await store?.close(); await state?.close(); await db?.drop(); });

    it('writes stats rows and the source mark in one flush, reads a window, prunes by age', async () => {
      await store.writeStats([row('a', 1000, 'p1', 5), row('b', 1000, 'p1', 7)], 'p1', 2000);
      await store.writeStats([row('a', 2000, 'p2', 3)], 'p2', 3000);
      await store.writeStats([], 'p1', 3000); // a flush with no traffic still moves the mark
      const got = await store.readStats(['a'], 1000, 3000);
      expect(got.map((r) => [r.route, r.bucketStart, r.source, r.next.requests])).toEqual([['a', 1000, 'p1', 5], ['a', 2000, 'p2', 3]]);
      expect(got[0]!.next.latency[3]).toBe(5);
      expect((await store.liveSources(0)).map((s) => [s.source, s.flushedUntil])).toEqual([['p1', 3000], ['p2', 3000]]);
      const counted = await sql(db, 'SELECT route_id, SUM(next_requests) AS n FROM siphon_state.route_stats GROUP BY route_id ORDER BY route_id');
      expect(counted.map((r) => [r.route_id, Number(r.n)])).toEqual([['a', 8], ['b', 7]]);
      await store.prune(2000, 100);
      expect((await sql(db, 'SELECT bucket_start FROM siphon_state.route_stats')).map((r) => Number(r.bucket_start))).toEqual([2000]);
    });

    it('keeps one run per route, compare-and-set on its revision, audit in the same transaction', async () => {
      const run = await store.createRun({ route: 'inv', policy: DEFAULT_POLICY, windowEnd: 5000, startedBy: 'ops' });
      expect(run).toMatchObject({ route: 'inv', status: 'progressing', stepIndex: 0, approvedIndex: -1, windowEnd: 5000 });
      await expect(store.createRun({ route: 'inv', policy: DEFAULT_POLICY, windowEnd: 6000, startedBy: 'ops' })).rejects.toBeInstanceOf(CanaryStateError);
      const moved = await store.updateRun('inv', run.revision, { stepIndex: 1, passes: 0, windowEnd: 7000 },
        { actor: 'ops', action: 'canary.approve', subject: 'inv', before: { step: 0 }, after: { step: 1 } });
      expect(moved).toMatchObject({ stepIndex: 1, windowEnd: 7000, revision: run.revision + 1 });
      expect(await store.updateRun('inv', run.revision, { status: 'aborted' })).toBeUndefined(); // stale revision
      const audit = await sql(db, "SELECT actor, action, subject FROM siphon_state.audit WHERE action = 'canary.approve'");
      expect(audit).toEqual([{ actor: 'ops', action: 'canary.approve', subject: 'inv' }]);
      await store.updateRun('inv', moved!.revision, { status: 'rolled-back', lastReason: 'error_rate failed' });
      const again = await store.createRun({ route: 'inv', policy: { ...DEFAULT_POLICY, steps: [10, 100] }, windowEnd: 9000, startedBy: 'bob' });
      expect(again).toMatchObject({ status: 'progressing', stepIndex: 0, startedBy: 'bob', lastReason: null });
      expect(again.policy.steps).toEqual([10, 100]);
      expect((await store.listRuns()).map((r) => r.route)).toEqual(['inv']);
    });

    it('keeps the verdict history with raw figures, newest first, bounded per route', async () => {
      for (let i = 0; i < 5; i++) {
        await store.addVerdict({ route: 'v', windowStart: i * 1000, windowEnd: (i + 1) * 1000, stepIndex: 0, percent: 1, pass: i % 2 === 0,
          failed: i % 2 === 0 ? [] : ['error_rate', 'latency'], action: 'none', checks: [], figures: { next: { requests: i } } });
      }
      const vs = await store.listVerdicts('v', 3);
      expect(vs.map((v) => [v.windowStart, v.pass, v.failed])).toEqual([[4000, true, []], [3000, false, ['error_rate', 'latency']], [2000, true, []]]);
      expect(vs[0]!.figures).toEqual({ next: { requests: 4 } });
      await store.prune(0, 2);
      const left = await sql(db, "SELECT window_start FROM siphon_state.canary_verdicts WHERE route_id = 'v' ORDER BY id");
      expect(left.map((r) => Number(r.window_start))).toEqual([3000, 4000]);
    });
  });
}
