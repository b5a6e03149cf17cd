import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegacyApp } from '../../examples/billing/index.js';
import type { RunningApp } from '../../examples/billing/http/server.js';
import { runTraffic } from '../../examples/billing/traffic/run-traffic.js';
import { runVerify } from '../../src/verify/run-verify.js';
import { applyBarrier } from '../../src/verify/settle.js';
import { RateThrottle } from '../../src/verify/throttle.js';
import { billingMigration, type BillingMigration } from './billing-setup.js';

/**
 * No false positives under load: the billing traffic generator writes to legacy through the legacy app while capture
 * and apply run (siphon's real data path) and verify compares the whole database. Rows that differ while their change
 * is in flight are re-checked once apply passed the log head: the verdict is a match, and the re-checks are counted.
 */
const CUSTOMERS = 120;
let m: BillingMigration;
let app: RunningApp;

beforeAll(async () => {
  m = await billingMigration(CUSTOMERS);
  await m.copied;
  app = await startLegacyApp({ db: m.legacy });
}, 180_000);

afterAll(async () => {
  await app?.close();
  await m?.drop();
}, 60_000);

describe('verify under write load', () => {
  it('the copy made by the real data path matches (the control, no traffic)', async () => {
    const r = await runVerify({ config: m.config, legacy: m.legacy, next: m.next, state: m.state, settler: applyBarrier(m.log, m.applier, { consumer: 'apply' }) });
    expect(r.tables.map((t) => [t.table, t.verdict, t.differences.slice(0, 2)])).toEqual(r.tables.map((t) => [t.table, 'match', []]));
    expect(r.exitCode).toBe(0);
    // a full match over every table of the entity marks the ledger `verified` (root table last, version-guarded)
    const counts = await m.state.ledgerCounts('customer');
    expect(counts.filter((c) => c.state === 'verified').map((c) => c.count)).toEqual([CUSTOMERS]);
  }, 120_000);

  it('zero false positives while the traffic generator writes; the rows re-checked are reported', async () => {
    const traffic = runTraffic({ target: app.url, rate: 80, durationS: 14, users: 16, seed: 3, customers: CUSTOMERS });
    // start once writes are flowing
    await new Promise((r) => setTimeout(r, 1500));
    const r = await runVerify({
      // throttled so that the pass spans the traffic: rows change under its feet
      config: m.config, legacy: m.legacy, next: m.next, state: m.state, chunkSize: 200, throttle: new RateThrottle({ maxRowsPerSec: 700 }),
      settler: applyBarrier(m.log, m.applier, { consumer: 'apply', timeoutMs: 60_000 }),
    });
    const summary = await traffic;
    expect(summary.completed).toBeGreaterThan(0);
    const rechecked = r.tables.reduce((n, t) => n + t.counts.rechecked, 0);
    const settled = r.tables.reduce((n, t) => n + t.counts.settledByRecheck, 0);
    console.log(JSON.stringify({ traffic: { requests: summary.requests, completed: summary.completed, failed: summary.failed }, rechecked, settled, tables: r.tables.map((t) => ({ table: t.table, legacy: t.counts.legacyRows, matched: t.counts.matched, rechecked: t.counts.rechecked })) }));
    expect(r.tables.flatMap((t) => t.differences)).toEqual([]);
    expect(r.tables.map((t) => t.verdict)).toEqual(r.tables.map(() => 'match'));
    expect(r.exitCode).toBe(0);
    // every re-checked row settled (in flight, not different), and the report says how many there were
    expect(settled).toBe(rechecked);
    // after the load, a quiet verify agrees
    const after = await runVerify({ config: m.config, legacy: m.legacy, next: m.next, state: m.state, settler: applyBarrier(m.log, m.applier, { consumer: 'apply' }) });
    expect(after.exitCode).toBe(0);
  }, 180_000);
});
