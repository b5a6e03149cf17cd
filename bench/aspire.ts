/**
 * npm run bench:aspire — aspire latency and the gateway's added latency on a first touch (issue 13). Not a test.
 *
 * The aspire phase takes customers of 10–30 rows (closest to 20 first; ~3% of the generated ones). One process; legacy on MariaDB, next and the state store on PostgreSQL (BENCH_ENGINES=sqlite: SQLite files): the billing legacy (BENCH_CUSTOMERS customers, ~20 rows each), the legacy and next apps,
 * `startMigration` (capture + data path, no backfill) serving aspire, the gateway in owner mode with aspire on first
 * touch (bench/lib/owner-scenario.ts). The traffic generator writes to the legacy app the whole time.
 * Alternating rounds (BENCH_ROUNDS, default 3), each:
 *   1. aspire: 50 concurrent callers (BENCH_CALLERS) through the library, BENCH_ASPIRES_PER_ROUND (50) fresh customers; one
 *      call in ten asks for a customer another caller is aspiring at that moment (a shared flight);
 *   2. gateway: BENCH_GATEWAY_PER_ROUND first touches of fresh customers interleaved with as many requests for customers
 *      already in next and as many straight to the legacy app (how slow legacy itself is at that moment), 10 at a
 *      time; added p99 = p99(first touch) − p99(in next) of the same round.
 * Last stdout line: one JSON object (medians over rounds; per-round figures alongside).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { runTraffic } from '../examples/billing/traffic/run-traffic.js';
import { startOwnerScenario } from './lib/owner-scenario.js';
import { median } from './lib/tools.js';
import { metricsRegistry } from '../src/observe/metrics.js';
import { toPlain } from '../src/values/index.js';

process.env.SIPHON_LOG_LEVEL ??= 'silent';
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 6000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 50);
const ASPIRES = Number(process.env.BENCH_ASPIRES_PER_ROUND ?? 50);
const GATEWAY = Number(process.env.BENCH_GATEWAY_PER_ROUND ?? 100);
const TRAFFIC_RATE = Number(process.env.BENCH_TRAFFIC_RATE ?? 20);
const ENGINES = (process.env.BENCH_ENGINES ?? 'mariadb-postgres') as 'sqlite' | 'mariadb-postgres';
const log = (m: string) => process.stderr.write(`${m}\n`);

const pct = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const spread = (xs: readonly number[]) => ({ min: r2(Math.min(...xs)), max: r2(Math.max(...xs)) });

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = metricsRegistry().getSingleMetric(name);
  if (!m) return 0;
  return (await m.get()).values.filter((v) => Object.entries(labels).every(([k, w]) => String((v.labels as Record<string, unknown>)[k]) === w))
    .reduce((a, v) => a + v.value, 0);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-bench-aspire-'));
  log(`generating ${CUSTOMERS} billing customers (${ENGINES}) and starting apps, migration and gateway`);
  const s = await startOwnerScenario({ dir, customers: CUSTOMERS, seed: 1, dirty: 0, budgetMs: 200, engines: ENGINES });
  const agent = new Agent({ connections: 32 });
  const perRound: { aspireP50: number; aspireP99: number; calls: number; shared: number; firstP99: number; inNextP99: number; added: number; overBudget: number; legacyDirectP99: number; firstP50: number; inNextP50: number }[] = [];
  const stopTraffic = new AbortController();
  const trafficRuns: Promise<unknown>[] = [];
  // the traffic generator writes to legacy during the whole run, in 30 s slices
  const trafficLoop = (async () => {
    while (!stopTraffic.signal.aborted) {
      const t = runTraffic({ target: s.legacyApp.url, rate: TRAFFIC_RATE, durationS: 10, users: 50, seed: `bench-${trafficRuns.length}`, customers: CUSTOMERS });
      trafficRuns.push(t);
      await t;
    }
  })();
  // ~20-row customers (the size): rows per customer over the five tables, closest to 20 first
  const perCustomer = new Map<number, number>();
  for (const t of ['CLIENT', 'CONTRAT', 'FACTURE', 'LIGNE_FACT', 'REGLEMENT']) {
    for (const r of await s.legacyDb.query(`SELECT CLI_ID AS id, count(*) AS n FROM ${t} GROUP BY CLI_ID`)) {
      const id = Number(toPlain(r['id'] ?? null));
      perCustomer.set(id, (perCustomer.get(id) ?? 0) + Number(toPlain(r['n'] ?? null)));
    }
  }
  // the generator's customers have 45–50 rows typically and 10–30 rows for ~3% of them: the aspire phase takes those
  // (closest to 20 first), the gateway phase the others (it measures the gateway's wait, not the customer's size)
  const byNearness = [...perCustomer.entries()].sort((a, b) => Math.abs(a[1] - 20) - Math.abs(b[1] - 20) || a[0] - b[0]);
  const near20 = byNearness.filter(([, n]) => n >= 10 && n <= 30).map(([id]) => id);
  // said before the first round, not after it: the rounds need ASPIRES fresh customers of 10–30 rows each
  if (near20.length < ROUNDS * ASPIRES) {
    throw new Error(`BENCH_CUSTOMERS=${CUSTOMERS} gives ${near20.length} customers of 10–30 rows; ${ROUNDS} round(s) × ${ASPIRES} aspires need ${ROUNDS * ASPIRES}: raise BENCH_CUSTOMERS (about ${Math.ceil((ROUNDS * ASPIRES * CUSTOMERS) / Math.max(1, near20.length) / 1000) * 1000})`);
  }
  const others = byNearness.filter(([, n]) => n < 10 || n > 30).map(([id]) => id).sort((a, b) => a - b);
  const usedNear: number[] = [];
  const usedOther: number[] = [];
  const take = (from: number[], used: number[]) => { const id = from.shift(); if (id === undefined) throw new Error('out of fresh customers: raise BENCH_CUSTOMERS'); used.push(id); return id; };
  const freshNear20 = () => take(near20, usedNear);
  const fresh = () => take(others, usedOther);
  const rowsOf = (ids: readonly number[]) => ids.reduce((a, id) => a + perCustomer.get(id)!, 0) / Math.max(1, ids.length);
  const inNext: number[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // 1. the library: CALLERS concurrent callers
      const durations: number[] = [];
      let shared = 0;
      const queue = Array.from({ length: ASPIRES }, () => freshNear20());
      const inFlight = new Set<number>();
      let calls = 0;
      await Promise.all(Array.from({ length: CALLERS }, async () => {
        for (;;) {
          const running = [...inFlight];
          const reuse = calls % 10 === 9 && running.length > 0;
          const id = reuse ? running[calls % running.length]! : queue.shift();
          if (id === undefined) return;
          calls++;
          inFlight.add(id);
          const t0 = performance.now();
          const r = await s.aspirer.aspire({ entity: 'customer', key: String(id), trigger: 'library', actor: 'bench' });
          durations.push(performance.now() - t0);
          if (!reuse) inFlight.delete(id);
          if (r.outcome === 'shared') shared++;
          if (r.outcome === 'failed' || r.outcome === 'quarantined') log(`aspire ${id}: ${r.outcome} ${JSON.stringify(r)}`);
          if (r.outcome === 'migrated' || r.outcome === 'already' || r.outcome === 'shared') inNext.push(id);
        }
      }));
      // 2. the gateway: first touches vs customers already in next, interleaved, 10 at a time
      await s.cache.refresh();
      const first: number[] = [];
      const known: number[] = [];
      const direct: number[] = [];
      const overBefore = await metric('siphon_gateway_aspire_budget_overruns_total', { route: 'customers' });
      let k = 0;
      await Promise.all(Array.from({ length: 10 }, async () => {
        while (first.length + known.length + direct.length < 3 * GATEWAY) {
          const kind = k++ % 3; // 0: first touch, 1: in next, 2: legacy app directly (how slow legacy itself is now)
          const id = kind === 0 ? fresh() : inNext[Math.floor(Math.random() * inNext.length)]!;
          const t0 = performance.now();
          const res = await request(`${kind === 2 ? s.legacyApp.url : s.gatewayUrl}/customers/${id}`, { dispatcher: agent });
          await res.body.dump();
          const ms = performance.now() - t0;
          if (res.statusCode >= 500) log(`${kind === 2 ? 'legacy' : 'gateway'} answered ${res.statusCode} for ${id}`);
          (kind === 0 ? first : kind === 1 ? known : direct).push(ms);
        }
      }));
      const overBudget = await metric('siphon_gateway_aspire_budget_overruns_total', { route: 'customers' }) - overBefore;
      const row = {
        aspireP50: r2(pct(durations, 50)), aspireP99: r2(pct(durations, 99)), calls: durations.length, shared,
        firstP99: r2(pct(first, 99)), inNextP99: r2(pct(known, 99)), added: r2(pct(first, 99) - pct(known, 99)), overBudget,
        legacyDirectP99: r2(pct(direct, 99)), firstP50: r2(pct(first, 50)), inNextP50: r2(pct(known, 50)),
      };
      perRound.push(row);
      log(`round ${round}: aspire p50 ${row.aspireP50} ms, p99 ${row.aspireP99} ms (${row.calls} calls, ${shared} shared); ` +
        `gateway p99 first touch ${row.firstP99} ms vs in next ${row.inNextP99} ms (added ${row.added}; ${overBudget} over the budget), legacy app directly ${row.legacyDirectP99} ms; load ${loadavg()[0]!.toFixed(2)}`);
    }
  } finally {
    stopTraffic.abort();
    await trafficLoop.catch(() => undefined);
    const traffic = (await Promise.all(trafficRuns)) as { writes: number; failed: number }[];
    log(`traffic: ${traffic.reduce((a, t) => a + t.writes, 0)} writes to legacy, ${traffic.reduce((a, t) => a + t.failed, 0)} failed`);
    await agent.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const joined = await metric('siphon_gateway_aspire_joined_total', {});
  const gatewayShared = await metric('siphon_gateway_aspire_flights_total', { outcome: 'shared' });
  const pick = (f: (r: (typeof perRound)[number]) => number) => perRound.map(f);
  const out = {
    bench: 'aspire', engines: ENGINES, customers: CUSTOMERS, rowsPerAspiredCustomer: r2(rowsOf(usedNear)), rowsPerFirstTouchCustomer: r2(rowsOf(usedOther)), callers: CALLERS, rounds: ROUNDS,
    aspireP50Ms: r2(median(pick((r) => r.aspireP50))), aspireP99Ms: r2(median(pick((r) => r.aspireP99))),
    aspireP99Spread: spread(pick((r) => r.aspireP99)), goalAspireP99Ms: 25,
    firstTouchP99Ms: r2(median(pick((r) => r.firstP99))), inNextP99Ms: r2(median(pick((r) => r.inNextP99))),
    firstTouchAddedP99Ms: r2(median(pick((r) => r.added))), firstTouchAddedSpread: spread(pick((r) => r.added)),
    legacyDirectP99Ms: r2(median(pick((r) => r.legacyDirectP99))), firstTouchP50Ms: r2(median(pick((r) => r.firstP50))), inNextP50Ms: r2(median(pick((r) => r.inNextP50))),
    sharedFlights: perRound.reduce((a, r) => a + r.shared, 0) + joined + gatewayShared,
    budgetOverruns: perRound.reduce((a, r) => a + r.overBudget, 0),
    loadAvg1: r2(loadavg()[0]!), perRound,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// a bench's error is a message, not a stack trace (SIPHON_DEBUG=1 for the stack)
main().then(() => process.exit(0), (e: unknown) => { log(`bench:aspire: ${process.env.SIPHON_DEBUG ? String((e as Error)?.stack ?? e) : (e as Error)?.message ?? String(e)}`); process.exit(1); });
