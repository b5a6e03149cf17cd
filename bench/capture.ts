/**
 * npm run bench:capture — capture throughput and lag from the MariaDB binary log (not a test).
 *
 * 1. Writes N rows into siphon_bench.bench_items on MariaDB (multi-row inserts), noting the binary-log position first.
 * 2. Floor (the peer, same run): raw zongji decode of those N row events, nothing else done with them.
 * 3. Siphon binlog capture from the same position into each log (SQLite, PostgreSQL, NATS JetStream): changes/s until
 *    all N are appended (converted to canonical values, enveloped, validated, appended with the checkpoint).
 * 4. Lag at 1,000 and 5,000 legacy writes/s: a paced writer in its own process (64 connections, autocommit inserts; at 5,000/s five rows per statement) records each
 *    commit's acknowledgement time; a sink wrapper records when the append carrying that row returned (durable in the
 *    SQLite log). Lag = append time − commit time, p50/p99.
 * Last line: one JSON object with the figures (also the capture process CPU per change, the load-independent one).
 * Knobs: BENCH_ROWS (200000), BENCH_LAG_SECONDS (5), BENCH_BATCH (2000), BENCH_TARGETS (sqlite,postgres,nats), BENCH_LAG=0,
 * SIPHON_BENCH_MY_URL / _PG_URL / _NATS_URL (the siphon_bench databases by default).
 */
import ZongJi from '@vlasky/zongji';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/backends/open.js';
import type { Database } from '../src/backends/types.js';
import { openLog } from '../src/log/open.js';
import type { EventLog } from '../src/log/types.js';
import type { LogRecord } from '../src/log/change.js';
import { BinlogCapture } from '../src/capture/binlog/source.js';
import { zongjiConnection } from '../src/capture/binlog/connection.js';
import { encodeCheckpoint } from '../src/capture/binlog/position.js';
import { logSink } from '../src/capture/sink.js';
import { ensureWatermarkTable } from '../src/capture/watermark.js';
import type { CaptureSink } from '../src/capture/types.js';
import { toPlain } from '../src/values/index.js';

process.env.SIPHON_LOG_LEVEL ??= 'silent';
const MY = process.env.SIPHON_BENCH_MY_URL ?? 'mysql://root@127.0.0.1:3306/siphon_bench';
const PG = process.env.SIPHON_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/siphon_bench';
const NATS = process.env.SIPHON_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const N = Number(process.env.BENCH_ROWS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 2000);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 5);
/** Comma-separated subset of sqlite,postgres,nats (profiling one log at a time); BENCH_LAG=0 skips the lag runs. */
const TARGETS = (process.env.BENCH_TARGETS ?? 'sqlite,postgres,nats').split(',');
const LAG = process.env.BENCH_LAG !== '0';
const say = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = Date.now().toString(36);

async function masterStatus(db: Database): Promise<{ file: string; pos: number }> {
  const r = await db.query('SHOW MASTER STATUS');
  return { file: String(r[0]!['File']), pos: Number(toPlain(r[0]!['Position']!)) };
}

async function setup(db: Database): Promise<void> {
  await db.execute('DROP TABLE IF EXISTS bench_items');
  await db.execute('DROP TABLE IF EXISTS bench_lag');
  await db.execute('CREATE TABLE bench_items (id BIGINT PRIMARY KEY, ver INT NOT NULL, note VARCHAR(40), amount DECIMAL(12,2), created DATETIME(6)) ENGINE=InnoDB');
  await db.execute('CREATE TABLE bench_lag (id BIGINT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB');
  await ensureWatermarkTable(db);
}

async function writeRows(n: number): Promise<void> {
  const c = await mysql.createConnection(MY);
  try {
    for (let i = 0; i < n; i += 2000) {
      const vals: string[] = [];
      for (let j = i; j < Math.min(n, i + 2000); j++) vals.push(`(${j + 1}, 1, 'note ${j}', ${(j % 100000) / 100}, '2024-01-02 03:04:05.${String(j % 1000000).padStart(6, '0')}')`);
      await c.query(`INSERT INTO bench_items VALUES ${vals.join(',')}`);
    }
  } finally { await c.end(); }
}

/** The floor: zongji decoding the N row events and doing nothing with them. */
async function rawZongji(start: { file: string; pos: number }): Promise<number> {
  const z = new ZongJi(zongjiConnection(MY));
  let rows = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const done = new Promise<number>((resolve, reject) => {
    z.on('error', reject);
    z.on('binlog', (ev: { getEventName(): string; rows?: unknown[] }) => {
      if (ev.getEventName() === 'writerows') {
        rows += ev.rows!.length;
        if (rows >= N) resolve(performance.now());
      }
    });
  });
  z.start({ serverId: 990_001, filename: start.file, position: start.pos, includeEvents: ['tablemap', 'writerows'], includeSchema: { siphon_bench: ['bench_items'] } });
  const t1 = await done;
  const cpu = process.cpuUsage(c0);
  cpuPerChange['raw'] = (cpu.user + cpu.system) / N;
  z.stop();
  return N / ((t1 - t0) / 1000);
}

interface LogTarget { name: string; url: string; cleanup: (log: EventLog) => Promise<void> }

/** Client CPU (user + system) per captured change of the last captureInto, in µs: the load-independent figure. */
const cpuPerChange: Record<string, number> = {};

async function captureInto(db: Database, target: LogTarget, start: { file: string; pos: number }): Promise<number> {
  const log = await openLog(target.url);
  try {
    await log.append([], { sourcePosition: { source: 'bench', position: encodeCheckpoint({ file: start.file, pos: start.pos, last: null, gtid: null }) } });
    const cap = new BinlogCapture(db, MY, { source: 'bench', tables: ['bench_items'], batchSize: BATCH, serverId: 990_002 });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await cap.start(logSink(log, 'bench'));
    for (;;) {
      const s = await cap.status();
      if (s.state === 'failed') throw new Error(`capture failed: ${s.error}`);
      if (s.appended >= N) break;
      await sleep(5);
    }
    const t1 = performance.now();
    const cpu = process.cpuUsage(c0);
    cpuPerChange[target.name] = (cpu.user + cpu.system) / N;
    await cap.stop();
    return N / ((t1 - t0) / 1000);
  } finally {
    await target.cleanup(log);
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

const WRITER = `
import mysql from 'mysql2/promise';
const [url, rate, idBase, seconds] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const pool = mysql.createPool({ uri: url, connectionLimit: 64 });
// above 1,000/s rows go several to a statement (a legacy app batching), so one writer process keeps the pace
const perStatement = Math.max(1, Math.round(rate / 1000));
const total = rate * seconds, committed = [], inflight = new Set();
const now = () => performance.timeOrigin + performance.now();
let next = idBase; const t0 = performance.now();
while (next - idBase < total) {
  const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate)) - (next - idBase);
  for (let i = 0; i < due; i += perStatement) {
    const ids = [];
    for (let k = 0; k < perStatement && next - idBase < total; k++) ids.push(next++);
    if (ids.length === 0) break;
    const p = pool.query('INSERT INTO bench_lag VALUES ' + ids.map(() => '(?, ?)').join(', '), ids.flatMap((id) => [id, 'x']))
      .then(() => { const t = now(); for (const id of ids) committed.push([id, t]); });
    inflight.add(p); p.finally(() => inflight.delete(p));
    if (inflight.size > 256) await Promise.race(inflight);
  }
  await new Promise((r) => setTimeout(r, 2));
}
await Promise.all(inflight);
const took = (performance.now() - t0) / 1000;
await pool.end();
process.stdout.write(JSON.stringify({ committed, seconds: took }));
`;

/** Runs the paced writer in a child process; returns commit acknowledgement times (epoch ms) by id. */
async function pacedWriter(rate: number, idBase: number): Promise<{ committed: Map<number, number>; seconds: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, MY, String(rate), String(idBase), String(LAG_SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`paced writer exited with ${code}`);
  const r = JSON.parse(out) as { committed: [number, number][]; seconds: number };
  return { committed: new Map(r.committed), seconds: r.seconds };
}

/** Lag at a paced write rate, into a SQLite log. */
async function lagAt(db: Database, rate: number, idBase: number): Promise<{ p50: number; p99: number; achieved: number; samples: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-bench-lag-'));
  const log = await openLog(`sqlite:${join(dir, 'log.sqlite')}`);
  const appended = new Map<number, number>();
  const inner = logSink(log, 'lag');
  const sink: CaptureSink = {
    lastCheckpoint: () => inner.lastCheckpoint(),
    write: async (records: readonly LogRecord[], cp: string) => {
      await inner.write(records, cp);
      const t = performance.timeOrigin + performance.now();
      for (const r of records) if (r.kind === 'change' && r.table === 'bench_lag') appended.set(Number(toPlain(r.key['id']!)), t);
    },
  };
  const cap = new BinlogCapture(db, MY, { source: 'lag', tables: ['bench_lag'], batchSize: 2000, serverId: 990_003 });
  await cap.start(sink);
  // the paced writer runs in its own process, as legacy applications do: it must not share capture's event loop
  const { committed, seconds } = await pacedWriter(rate, idBase);
  const total = rate * LAG_SECONDS;
  const achieved = total / seconds;
  const end = Date.now() + 30_000;
  while (appended.size < committed.size && Date.now() < end) await sleep(10);
  await cap.stop();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  const lags: number[] = [];
  for (const [id, c] of committed) { const a = appended.get(id); if (a !== undefined) lags.push(Math.max(0, a - c)); }
  if (lags.length < committed.size) say(`  warning: ${committed.size - lags.length} of ${committed.size} writes were not captured within 30 s`);
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), achieved, samples: lags.length };
}

async function main(): Promise<void> {
  const db = await openDatabase(MY);
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  try {
    say(`bench:capture — ${N} binlog row events, lag at 1k and 5k writes/s for ${LAG_SECONDS}s each`);
    await setup(db);
    const start = await masterStatus(db);
    let t = performance.now();
    await writeRows(N);
    say(`  wrote ${N} rows in ${((performance.now() - t) / 1000).toFixed(1)}s`);
    const raw = await rawZongji(start);
    say(`  raw zongji decode (floor): ${Math.round(raw)} rows/s, ${cpuPerChange['raw']!.toFixed(1)} µs CPU per row`);

    const sqliteDir = mkdtempSync(join(tmpdir(), 'siphon-bench-'));
    const pgSchema = `bench_log_${stamp}`;
    const targets: LogTarget[] = [
      { name: 'sqlite', url: `sqlite:${join(sqliteDir, 'log.sqlite')}`, cleanup: async (l) => { await l.close(); rmSync(sqliteDir, { recursive: true, force: true }); } },
      { name: 'postgres', url: `${PG}?schema=${pgSchema}`, cleanup: async (l) => { await l.close(); await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`); } },
      { name: 'nats', url: `${NATS}/bench_${stamp}`, cleanup: async (l) => { await (l as EventLog & { destroy?: () => Promise<void> }).destroy?.(); await l.close().catch(() => undefined); } },
    ];
    const rates: Record<string, number> = {};
    for (const target of targets) {
      if (!TARGETS.includes(target.name)) { rates[target.name] = NaN; continue; }
      t = performance.now();
      try {
        rates[target.name] = await captureInto(db, target, start);
        say(`  binlog → ${target.name} log: ${Math.round(rates[target.name]!)} changes/s (${(rates[target.name]! / raw * 100).toFixed(0)}% of the raw decode floor), ${cpuPerChange[target.name]!.toFixed(1)} µs of capture-process CPU per change`);
      } catch (e) {
        rates[target.name] = NaN;
        say(`  binlog → ${target.name} log: FAILED ${(e as Error).message}`);
      }
    }
    rmSync(sqliteDir, { recursive: true, force: true }); // (also when the SQLite target was skipped)
    const none = { p50: NaN, p99: NaN, achieved: NaN, samples: 0 };
    const lag1k = LAG ? await lagAt(db, 1000, 10_000_000) : none;
    say(`  lag at 1,000 writes/s (achieved ${Math.round(lag1k.achieved)}/s, ${lag1k.samples} samples): p50 ${lag1k.p50.toFixed(1)} ms, p99 ${lag1k.p99.toFixed(1)} ms`);
    const lag5k = LAG ? await lagAt(db, 5000, 20_000_000) : none;
    say(`  lag at 5,000 writes/s (achieved ${Math.round(lag5k.achieved)}/s, ${lag5k.samples} samples): p50 ${lag5k.p50.toFixed(1)} ms, p99 ${lag5k.p99.toFixed(1)} ms`);
    await db.execute('DROP TABLE IF EXISTS bench_items');
    await db.execute('DROP TABLE IF EXISTS bench_lag');
    const r = (x: number) => Math.round(x);
    const f = (x: number) => Math.round(x * 10) / 10;
    const ratio = (x: number) => Math.round((x / raw) * 1000) / 1000;
    process.stdout.write(JSON.stringify({
      rawBinlogEventsPerSec: r(raw), rawCpuUsPerEvent: f(cpuPerChange['raw']!), sqliteChangesPerSec: r(rates['sqlite']!), postgresChangesPerSec: r(rates['postgres']!),
      natsChangesPerSec: r(rates['nats']!),
      sqliteCpuUsPerChange: f(cpuPerChange['sqlite'] ?? NaN), postgresCpuUsPerChange: f(cpuPerChange['postgres'] ?? NaN), natsCpuUsPerChange: f(cpuPerChange['nats'] ?? NaN),
      sqliteRatioToRaw: ratio(rates["sqlite"]!), postgresRatioToRaw: ratio(rates["postgres"]!), natsRatioToRaw: ratio(rates["nats"]!),
      lagP50Ms1k: f(lag1k.p50), lagP99Ms1k: f(lag1k.p99), lagP50Ms5k: f(lag5k.p50), lagP99Ms5k: f(lag5k.p99),
      achievedWritesPerSec1k: r(lag1k.achieved), achievedWritesPerSec5k: r(lag5k.achieved), rows: N,
    }) + '\n');
  } finally {
    await admin.end();
    await db.close();
  }
}

main().then(() => process.exit(0), (e: Error) => { say(`bench:capture failed: ${e.stack ?? e.message}`); process.exit(1); });
