/**
 * npm run bench:apply — the apply path's throughput (not a test).
 *
 * Setup: the billing generator fills a SQLite legacy (BENCH_CUSTOMERS customers, dirty 2%); its rows become captured
 * changes (inserts in dependency order, then an update of BENCH_UPDATE_SHARE of the invoices, as a status change)
 * appended to a PostgreSQL event log.
 * Rounds, alternating (BENCH_ROUNDS each):
 *   apply  read the log from the start in batches of BENCH_BATCH and apply them into a fresh PostgreSQL next (the
 *          billing next schema) with the billing mappings: clean → zod → to() → strict values, CAS versions, lineage,
 *          checkpoint in the same transaction, quarantine, ledger — changes/s;
 *   floor  the same final next rows (read back from next after the first apply round) written into fresh tables by
 *          a batched INSERT … ON CONFLICT (the adapter's upsert: unnest arrays), no transform, no versions — rows/s.
 * Then the lag run (bench/lib/apply-lag.ts): MariaDB legacy under a paced BENCH_LAG_RATE (5,000) writes/s for
 * BENCH_LAG_WARM_SECONDS (3) + BENCH_LAG_SECONDS (10), binlog capture → PostgreSQL log → data path → applier →
 * PostgreSQL next, all running; lag = from each legacy commit to the apply commit holding it, p99 over the measured
 * seconds (applyLagP99Ms5k) and over the whole run, cold start included (applyLagP99Ms5kWithStart).
 * Last line: one JSON object: applyChangesPerSec, floorRowsPerSec, ratioVsFloor (medians), spreads, applyLagP99Ms5k.
 * Knobs: BENCH_CUSTOMERS (1500), BENCH_BATCH (2000), BENCH_ROUNDS (3), BENCH_UPDATE_SHARE (0.2), SIPHON_BENCH_PG_ADMIN,
 * BENCH_LAG=0 (skip the lag run), BENCH_THROUGHPUT=0 (lag run only), BENCH_LAG_RATE, BENCH_LAG_SECONDS, BENCH_LAG_WARM_SECONDS, SIPHON_BENCH_MY_URL,
 * BENCH_PARTITIONS (2; 0 or 1 skips the partitioned round: the same log through that many appliers split by customer,
 * in each round between apply and floor — applyPartitionedChangesPerSec, ratioPartitionedVsFloor).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/backends/open.js';
import type { Database } from '../src/backends/types.js';
import { openLog } from '../src/log/open.js';
import type { LogRecord, RowChange } from '../src/log/change.js';
import { openStateStore } from '../src/state/open.js';
import { resolveConfig } from '../src/config/resolve.js';
import { createApplier } from '../src/apply/index.js';
import { PROFILE } from '../src/apply/batch-tx.js';
import type { Row } from '../src/values/index.js';
import { generateLegacy } from '../examples/billing/generate/generate-legacy.js';
import { billingEntities, billingTables } from '../examples/billing/mapping/tables.js';
import { nextDdl, NEXT_TABLES } from '../examples/billing/next/schema.js';
import { applyLagAt, type ApplyLagResult } from './lib/apply-lag.js';
import { partitionedRound } from './lib/apply-partitioned.js';

process.env.SIPHON_LOG_LEVEL ??= 'silent';
const ADMIN = process.env.SIPHON_BENCH_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1500);
const BATCH = Number(process.env.BENCH_BATCH ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const UPDATE_SHARE = Number(process.env.BENCH_UPDATE_SHARE ?? 0.2);
const LAG = process.env.BENCH_LAG !== '0';
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 2);
const THROUGHPUT = process.env.BENCH_THROUGHPUT !== '0';
const LAG_RATE = Number(process.env.BENCH_LAG_RATE ?? 5000);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 10);
/** Writes at the rate before the measured seconds (a cold start's lag is reported apart: `applyLagP99Ms5kWithStart`). */
const LAG_WARM_SECONDS = Number(process.env.BENCH_LAG_WARM_SECONDS ?? 3);
const MY = process.env.SIPHON_BENCH_MY_URL ?? 'mysql://root@127.0.0.1:3306/siphon_bench';
const say = (s: string) => process.stderr.write(`${s}\n`);
const stamp = `${Date.now().toString(36)}_${process.pid}`;
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const spread = (xs: readonly number[]) => ({ min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) });

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}
const dbUrl = (name: string) => { const u = new URL(ADMIN); u.pathname = `/${name}`; return u.toString(); };

async function resetNext(next: Database): Promise<void> {
  await next.execute('DROP SCHEMA IF EXISTS siphon CASCADE');
  for (const t of [...NEXT_TABLES].reverse()) await next.execute(`DROP TABLE IF EXISTS ${next.quoteIdent(t)} CASCADE`);
  for (const s of nextDdl('postgres')) await next.execute(s);
}

/** The lag run in its own log and next databases. */
async function lagRun(): Promise<ApplyLagResult> {
  const names = { next: `siphon_bench_lag_next_${stamp}`, log: `siphon_bench_lag_log_${stamp}` };
  await admin(`CREATE DATABASE ${names.next}`);
  await admin(`CREATE DATABASE ${names.log}`);
  try {
    say(`lag run: MariaDB binlog → PostgreSQL log → apply → PostgreSQL next, ${LAG_RATE} legacy writes/s for ${LAG_SECONDS} s…`);
    const r = await applyLagAt({ myUrl: MY, logUrl: dbUrl(names.log), nextUrl: dbUrl(names.next), rate: LAG_RATE, seconds: LAG_SECONDS, warmSeconds: LAG_WARM_SECONDS, say });
    say(`lag at ${LAG_RATE} writes/s (achieved ${Math.round(r.achievedWritesPerSec)}/s, ${r.samples} samples, ${r.quarantined} quarantined, Siphon process CPU ${Math.round(r.processCpuPct)}%): p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms; of which capture (commit → log) p50 ${r.captureP50.toFixed(1)} ms, p99 ${r.captureP99.toFixed(1)} ms` +
      ` (after ${r.warmSeconds} s of warm-up writes; with them: p50 ${r.withStart.p50.toFixed(1)} ms, p99 ${r.withStart.p99.toFixed(1)} ms, max ${r.withStart.max.toFixed(1)} ms)`);
    return r;
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${names.next} WITH (FORCE)`).catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS ${names.log} WITH (FORCE)`).catch(() => undefined);
  }
}

/** The machine's 1-minute load average at the start and end of the run: the figures mean little when it is high. */
const loadAtStart = Number(loadavg()[0]!.toFixed(1));
const loadNow = () => ({ loadAvgStart: loadAtStart, loadAvgEnd: Number(loadavg()[0]!.toFixed(1)) });

async function main(): Promise<void> {
  const lag = THROUGHPUT ? null : await lagRun();
  if (!THROUGHPUT) {
    if (PROFILE.size) for (const [k, v] of [...PROFILE].sort((a, b) => b[1] - a[1])) say(`  ${Math.round(v)} ms  ${k}`);
    process.stdout.write(`${JSON.stringify({ ...lagFields(lag), ...loadNow() })}\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'siphon-bench-apply-'));
  const names = { next: `siphon_bench_next_${stamp}`, log: `siphon_bench_log_${stamp}` };
  await admin(`CREATE DATABASE ${names.next}`);
  await admin(`CREATE DATABASE ${names.log}`);
  try {
    // 1. legacy rows → changes in a PostgreSQL log
    const legacyUrl = `sqlite:${join(dir, 'legacy.sqlite')}`;
    say(`generating ${CUSTOMERS} billing customers…`);
    await generateLegacy({ legacy: legacyUrl, customers: CUSTOMERS, seed: 1, dirty: 0.02, progress: false });
    const legacy = await openDatabase(legacyUrl);
    const config = resolveConfig({ name: 'billing', legacy: { db: legacyUrl, timezone: 'Europe/Paris' }, next: { db: dbUrl(names.next) }, entities: billingEntities, tables: billingTables() });
    const log = await openLog(dbUrl(names.log));
    let position = 0, changes = 0;
    const at = new Date().toISOString().replace('Z', '000Z');
    const make = (table: string, op: 'insert' | 'update', row: Row, before: Row | null): RowChange => ({
      kind: 'change', source: 'legacy', table, key: Object.fromEntries(config.tables[table]!.key.map((k) => [k, row[k] ?? null])), op, before, after: row,
      position: String(++position).padStart(20, '0'), txid: null, at,
    });
    const updates: RowChange[] = [];
    for (const table of ['CLIENT', 'CONTRAT', 'FACTURE', 'LIGNE_FACT', 'REGLEMENT']) {
      for await (const page of legacy.streamRows({ table, key: config.tables[table]!.key, batchSize: 5000 })) {
        const recs: LogRecord[] = page.map((row) => make(table, 'insert', row, null));
        if (table === 'FACTURE') {
          // an update re-sending the invoice (a due date touched, same mapped values): CAS, versions and the upsert all run
          page.forEach((row, i) => { if ((i * 7919) % 1000 < UPDATE_SHARE * 1000) updates.push(make(table, 'update', row, row)); });
        }
        await log.append(recs);
        changes += recs.length;
      }
    }
    // updates come after every insert, with later positions
    for (let i = 0; i < updates.length; i += 5000) {
      const recs = updates.slice(i, i + 5000).map((u) => ({ ...u, position: String(++position).padStart(20, '0') }));
      await log.append(recs);
      changes += recs.length;
    }
    await legacy.close();
    say(`${changes} changes in the PostgreSQL log (${updates.length} updates)`);

    const next = await openDatabase(dbUrl(names.next));
    let finalRows: Map<string, Row[]> | null = null;
    const applyRates: number[] = [], floorRates: number[] = [], cpuPerChangeUs: number[] = [], partRates: number[] = [];
    let finalCount = 0, lineageLines = -1;
    for (let round = 0; round < ROUNDS; round++) {
      // apply
      await resetNext(next);
      const state = await openStateStore(`sqlite:${join(dir, `state-${round}.sqlite`)}`);
      const applier = await createApplier({ config, next, state });
      const consumer = `bench-${round}`;
      let after: string | null = null, n = 0, quarantined = 0;
      const t0 = performance.now();
      // a consumer as capture's would run it: the next log page is read, and the next batch handed to apply, while the
      // previous batch's transaction runs (at most two batches in flight; apply takes them in call order)
      const cpu0 = process.cpuUsage();
      const hr0 = process.hrtime.bigint() / 1000n;
      let inFlight: Promise<unknown> = Promise.resolve();
      let page = log.read(after, BATCH);
      for (;;) {
        const tr = performance.now();
        const entries = await page;
        PROFILE.set('log.read', (PROFILE.get('log.read') ?? 0) + performance.now() - tr);
        if (entries.length === 0) break;
        const last = entries[entries.length - 1]!.offset;
        page = log.read(last, BATCH);
        const items = entries.flatMap((e) => (e.record.kind === 'change' ? [{ change: e.record, origin: 'capture' as const }] : []));
        const expected = after;
        const applied = applier.apply(items, { checkpoint: { consumer, expected, next: last } }).then((r) => { quarantined += r.quarantined; });
        await inFlight;
        inFlight = applied;
        n += items.length;
        after = last;
      }
      await inFlight;
      const applyMs = performance.now() - t0;
      // the round's window on the monotonic clock, in µs, as a --cpu-prof profile's timestamps are (profiling aid)
      if (process.env.SIPHON_APPLY_PROFILE === '1') say(`apply window µs ${hr0}-${process.hrtime.bigint() / 1000n}`);
      const cpu = process.cpuUsage(cpu0);
      cpuPerChangeUs.push((cpu.user + cpu.system) / n);
      applyRates.push(n / (applyMs / 1000));
      await applier.close();
      await state.close();
      say(`round ${round + 1} apply: ${n} changes in ${Math.round(applyMs)} ms = ${Math.round(n / (applyMs / 1000))} changes/s (${quarantined} quarantined; Siphon process CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms = ${((cpu.user + cpu.system) / n).toFixed(0)} µs/change)`);
      if (round === 0) {
        // next rows owned through a lineage line (self-keyed rows have none: their owner is implied by row_versions)
        lineageLines = Number(((await next.query('SELECT count(*) AS n FROM siphon.lineage'))[0]!.n as { v: string }).v);
        say(`lineage lines: ${lineageLines}`);
      }
      if (!finalRows) {
        finalRows = new Map();
        for (const t of NEXT_TABLES) {
          const rows = await next.query(`SELECT * FROM ${next.quoteIdent(t)}`);
          finalRows.set(t, rows);
          finalCount += rows.length;
        }
      }
      if (PARTITIONS > 1) {
        // the same log through PARTITIONS appliers split by entity key (bench/lib/apply-partitioned.ts)
        await resetNext(next);
        const r = await partitionedRound({ log, config, nextUrl: dbUrl(names.next), dir, round, partitions: PARTITIONS, batch: BATCH });
        partRates.push(r.changes / (r.ms / 1000));
        // the same end state as the single applier's (row count per next table), or the figure means nothing
        for (const t of NEXT_TABLES) {
          const got = Number(((await next.query(`SELECT count(*) AS n FROM ${next.quoteIdent(t)}`))[0]!.n as { v: string }).v);
          if (finalRows && got !== finalRows.get(t)!.length) throw new Error(`partitioned round: ${t} has ${got} rows, the single applier wrote ${finalRows.get(t)!.length}`);
        }
        say(`round ${round + 1} apply, ${PARTITIONS} partitions by customer: ${r.changes} changes in ${Math.round(r.ms)} ms = ${Math.round(r.changes / (r.ms / 1000))} changes/s (${r.quarantined} quarantined; Siphon process CPU ${(r.cpuUs / r.changes).toFixed(0)} µs/change)`);
      }
      // floor: the same final rows, batched INSERT … ON CONFLICT, no transform, no versions
      await resetNext(next);
      const keys = new Map<string, readonly string[]>();
      for (const t of NEXT_TABLES) keys.set(t, (await next.describeTable(t, { fresh: true })).primaryKey);
      const t1 = performance.now();
      for (const [table, rows] of finalRows) {
        for (let i = 0; i < rows.length; i += BATCH) await next.upsert(table, keys.get(table)!, rows.slice(i, i + BATCH));
      }
      const floorMs = performance.now() - t1;
      floorRates.push(finalCount / (floorMs / 1000));
      say(`round ${round + 1} floor: ${finalCount} rows in ${Math.round(floorMs)} ms = ${Math.round(finalCount / (floorMs / 1000))} rows/s`);
    }
    const lagResult = LAG ? await lagRun() : null;
    if (PROFILE.size) for (const [k, v] of [...PROFILE].sort((a, b) => b[1] - a[1])) say(`  ${Math.round(v)} ms  ${k}`);
    await next.close();
    await log.close();
    const applyChangesPerSec = Math.round(median(applyRates));
    const floorRowsPerSec = Math.round(median(floorRates));
    const ratios = applyRates.map((a, i) => a / floorRates[i]!);
    say(`apply ${applyChangesPerSec} changes/s vs floor ${floorRowsPerSec} rows/s: ratio ${median(ratios).toFixed(2)}`);
    process.stdout.write(`${JSON.stringify({
      changes, finalRows: finalCount, batch: BATCH, rounds: ROUNDS,
      applyChangesPerSec, floorRowsPerSec, ratioVsFloor: Number(median(ratios).toFixed(3)),
      applySpread: spread(applyRates), floorSpread: spread(floorRates), ratioSpread: { min: Number(Math.min(...ratios).toFixed(3)), max: Number(Math.max(...ratios).toFixed(3)) },
      applyCpuUsPerChange: Math.round(median(cpuPerChangeUs)), lineageLines,
      ...(partRates.length > 0 ? {
        partitions: PARTITIONS, applyPartitionedChangesPerSec: Math.round(median(partRates)), applyPartitionedSpread: spread(partRates),
        ratioPartitionedVsFloor: Number(median(partRates.map((a, i) => a / floorRates[i]!)).toFixed(3)),
      } : {}),
      ...lagFields(lagResult), ...loadNow(),
    })}\n`);
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${names.next} WITH (FORCE)`).catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS ${names.log} WITH (FORCE)`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function lagFields(r: ApplyLagResult | null): Record<string, unknown> {
  if (!r) return { applyLagP99Ms5k: null, applyLagP99Ms5kWhy: 'not measured (BENCH_LAG=0)' };
  const f = (x: number) => Number(x.toFixed(1));
  return {
    applyLagP99Ms5k: f(r.p99), applyLagP50Ms5k: f(r.p50), applyLagMaxMs5k: f(r.max), captureLagP99Ms5k: f(r.captureP99), lagRate: LAG_RATE, lagSeconds: LAG_SECONDS,
    lagWarmSeconds: r.warmSeconds, applyLagP99Ms5kWithStart: f(r.withStart.p99), applyLagMaxMs5kWithStart: f(r.withStart.max),
    lagAchievedWritesPerSec: Math.round(r.achievedWritesPerSec), lagSamples: r.samples, lagMissing: r.missing, lagQuarantined: r.quarantined,
    lagProcessCpuPct: Math.round(r.processCpuPct), lagPath: 'MariaDB binlog → PostgreSQL log → DataPath → applier → PostgreSQL next',
  };
}

main().catch((e: unknown) => { say(`bench:apply failed: ${(e as Error)?.stack ?? String(e)}`); process.exitCode = 1; });
