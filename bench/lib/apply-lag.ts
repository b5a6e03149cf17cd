/**
 * Apply lag under a paced legacy write load (bench:apply's `applyLagP99Ms5k`; not a test).
 *
 * The production path, end to end in one Siphon process as `siphon migrate` runs it: MariaDB legacy (the billing
 * demo's legacy engine) → binlog capture → PostgreSQL event log → the data path (`DataPath`: tail, merge, apply) →
 * PostgreSQL next, through the applier with a billing-like mapping (trim, codeMap, zod schema, strict values, CAS
 * versions, checkpoint in the same transaction). The writer is a separate process, as legacy applications are: it
 * paces `rate` row writes per second (several rows per statement above 1,000/s, a legacy app batching), 40% of them
 * updates of rows written earlier (INSERT … ON DUPLICATE KEY UPDATE over a key space of 60% of the writes), and
 * notes each statement's commit acknowledgement time. Each write carries its sequence number (`seq`); the applier
 * is wrapped to note when the apply call holding that change returned (its transaction committed; a change
 * superseded by a newer one of the same row in the same batch counts as applied by that commit).
 * Lag = applied time − commit acknowledgement time, per write; p50/p99/max over the run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { openDatabase } from '../../src/backends/open.js';
import { openLog } from '../../src/log/open.js';
import { openStateStore } from '../../src/state/open.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { codeMap, trim } from '../../src/config/cleaning/index.js';
import { createApplier } from '../../src/apply/index.js';
import type { Applier } from '../../src/apply/types.js';
import { DataPath } from '../../src/backfill/data-path.js';
import { BinlogCapture } from '../../src/capture/binlog/source.js';
import { logSink } from '../../src/capture/sink.js';
import type { CaptureSink } from '../../src/capture/types.js';
import { ensureWatermarkTable } from '../../src/capture/watermark.js';
import { toPlain } from '../../src/values/index.js';

export interface ApplyLagResult {
  readonly p50: number; readonly p99: number; readonly max: number;
  readonly achievedWritesPerSec: number; readonly samples: number; readonly missing: number; readonly quarantined: number;
  readonly processCpuPct: number;
  /** The capture part of the lag (commit → appended to the log), p50/p99, to tell the two parts apart. */
  readonly captureP50: number; readonly captureP99: number;
  /** The same over every write, the warm-up's included: what the first seconds after a cold start cost. */
  readonly withStart: { readonly p50: number; readonly p99: number; readonly max: number; readonly samples: number };
  readonly warmSeconds: number;
}

const WRITER = `
import mysql from 'mysql2/promise';
const [url, rate, seconds] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const pool = mysql.createPool({ uri: url, connectionLimit: 64 });
const perStatement = Math.max(1, Math.round(rate / 1000));
const total = rate * seconds, keys = Math.ceil(total * 0.6), committed = [], inflight = new Set();
const now = () => performance.timeOrigin + performance.now();
const STATUS = ['NEW', 'PAY', 'CAN'];
let seq = 0; const t0 = performance.now();
while (seq < total) {
  const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate)) - seq;
  for (let i = 0; i < due; i += perStatement) {
    const rows = [];
    for (let k = 0; k < perStatement && seq < total; k++) { seq++; rows.push(seq); }
    if (rows.length === 0) break;
    // ids cycle over 60% of the writes: the rest are updates of rows written earlier
    const vals = rows.map((s) => [((s * 7919) % keys) + 1, (s % 1500) + 1, ((s * 31) % 100000) / 100, ' ' + STATUS[s % 3] + ' ', s, '2026-01-02 03:04:05.' + String(s % 1000000).padStart(6, '0')]);
    const p = pool.query('INSERT INTO bench_apply_lag (id, customer_id, amount, status, seq, created) VALUES ' + rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')
      + ' ON DUPLICATE KEY UPDATE customer_id = VALUES(customer_id), amount = VALUES(amount), status = VALUES(status), seq = VALUES(seq), created = VALUES(created)', vals.flat())
      .then(() => { const t = now(); for (const s of rows) committed.push([s, t]); });
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

async function pacedWriter(myUrl: string, rate: number, seconds: number): Promise<{ committed: Map<number, number>; seconds: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, myUrl, String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`paced writer exited with ${code}`);
  const r = JSON.parse(out) as { committed: [number, number][]; seconds: number };
  return { committed: new Map(r.committed), seconds: r.seconds };
}

const nextTable = z.object({
  id: z.number().int().positive(),
  customer_id: z.number().int().positive(),
  amount: z.string().regex(/^-?\d+(\.\d+)?$/),
  status: z.enum(['new', 'paid', 'cancelled']),
  seq: z.number().int().positive(),
  created_at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/),
}).strict();

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

/**
 * One lag run. `myUrl`: a MariaDB database with the binary log on (ROW format); `pgAdmin`: creates and drops the
 * log and next databases of the run.
 */
export async function applyLagAt(opts: {
  myUrl: string; logUrl: string; nextUrl: string; rate: number; seconds: number; say: (s: string) => void;
  /**
   * Seconds of writes at the rate before the measured ones (their lags are reported apart, in `withStart`). An early
   * apply call took ~400 ms for 15 changes here — its statements and COMMIT waiting for the checkpoints PostgreSQL takes
   * when the run's databases are created just before — and the queue it left took ~1.5 s to drain: with 10 measured
   * seconds that start alone set the p99 of the whole run (0.25–1.0 s across runs) while the steady state stayed under
   * ~0.2 s. A migration runs for days; its first seconds are measured apart.
   */
  warmSeconds?: number;
}): Promise<ApplyLagResult> {
  const { myUrl, rate, say } = opts;
  const warmSeconds = opts.warmSeconds ?? 0;
  const seconds = opts.seconds + warmSeconds;
  const legacy = await openDatabase(myUrl);
  const next = await openDatabase(opts.nextUrl);
  const dir = mkdtempSync(join(tmpdir(), 'siphon-bench-apply-lag-'));
  const log = await openLog(opts.logUrl);
  const state = await openStateStore(`sqlite:${join(dir, 'state.sqlite')}`);
  let cap: BinlogCapture | null = null;
  let path: DataPath | null = null;
  try {
    await legacy.execute('DROP TABLE IF EXISTS bench_apply_lag');
    await legacy.execute('CREATE TABLE bench_apply_lag (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(12,2) NOT NULL, status CHAR(5) NOT NULL, seq BIGINT NOT NULL, created DATETIME(6) NOT NULL) ENGINE=InnoDB');
    await ensureWatermarkTable(legacy);
    await next.execute('DROP TABLE IF EXISTS apply_lag_items');
    await next.execute('CREATE TABLE apply_lag_items (id bigint PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, seq bigint NOT NULL, created_at timestamp(6) NOT NULL)');
    const n = (v: unknown) => v as number;
    const config = resolveConfig({
      name: 'apply-lag', legacy: { db: myUrl, timezone: 'Europe/Paris' }, next: { db: opts.nextUrl },
      tables: {
        bench_apply_lag: {
          key: 'id',
          clean: [trim(), codeMap('status', { NEW: 'new', PAY: 'paid', CAN: 'cancelled' })],
          to: (r: Record<string, unknown>) => ({ apply_lag_items: [{ id: n(r.id), customer_id: n(r.customer_id), amount: String(r.amount), status: r.status as 'new', seq: n(r.seq), created_at: String(r.created) }] }),
          schemas: { apply_lag_items: nextTable },
        },
      },
    });
    const inner = await createApplier({ config, next, state });
    const applied = new Map<number, number>();
    let quarantined = 0, calls = 0, itemsSeen = 0;
    const applier: Applier = {
      checkpoint: (c) => inner.checkpoint(c),
      appliedVersion: (t, k) => inner.appliedVersion(t, k),
      close: () => inner.close(),
      async apply(items, options) {
        const r = await inner.apply(items, options);
        calls++; itemsSeen += items.length;
        const t = performance.timeOrigin + performance.now();
        quarantined += r.quarantined;
        for (const it of items) {
          const s = it.change.after?.['seq'];
          if (s !== undefined && s !== null) applied.set(Number(toPlain(s)), t);
        }
        return r;
      },
    };
    cap = new BinlogCapture(legacy, myUrl, { source: 'apply-lag', tables: ['bench_apply_lag'], batchSize: 2000, serverId: 990_021 });
    const appended = new Map<number, number>();
    const sink = logSink(log, 'apply-lag');
    const timedSink: CaptureSink = {
      ...(sink.pipelined !== undefined ? { pipelined: sink.pipelined } : {}),
      lastCheckpoint: () => sink.lastCheckpoint(),
      write: async (records, cp) => {
        await sink.write(records, cp);
        const t = performance.timeOrigin + performance.now();
        for (const r of records) if (r.kind === 'change' && r.after?.['seq'] != null) appended.set(Number(toPlain(r.after['seq'])), t);
      },
    };
    await cap.start(timedSink);
    path = new DataPath({ log, applier, batchSize: 2000 });
    await path.start();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { committed, seconds: took } = await pacedWriter(myUrl, rate, seconds);
    const end = Date.now() + 30_000;
    while (applied.size < committed.size && Date.now() < end) {
      const s = path.status();
      if (s.state === 'failed') throw new Error(`data path failed: ${s.error}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const cpu = process.cpuUsage(cpu0);
    if (process.env.SIPHON_APPLY_PROFILE === '1') say(`  data path: ${JSON.stringify(path.status())}, apply calls ${calls}, items ${itemsSeen}`);
    const wall = performance.now() - t0;
    // the writer numbers its writes in pacing order: the first rate × warmSeconds are the warm-up's
    const warmWrites = rate * warmSeconds;
    const lags: number[] = [];
    const allLags: number[] = [];
    for (const [s, c] of committed) {
      const a = applied.get(s);
      if (a === undefined) continue;
      allLags.push(Math.max(0, a - c));
      if (s > warmWrites) lags.push(Math.max(0, a - c));
    }
    const captureLags: number[] = [];
    for (const [s, c] of committed) { const a = appended.get(s); if (a !== undefined && s > warmWrites) captureLags.push(Math.max(0, a - c)); }
    const missing = committed.size - allLags.length;
    if (missing > 0) say(`  warning: ${missing} of ${committed.size} writes were not applied within 30 s of the end of the load`);
    return {
      p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags.length ? Math.max(...lags) : NaN,
      achievedWritesPerSec: (rate * seconds) / took, samples: lags.length, missing, quarantined,
      processCpuPct: (100 * (cpu.user + cpu.system)) / 1000 / wall,
      captureP50: percentile(captureLags, 50), captureP99: percentile(captureLags, 99),
      withStart: { p50: percentile(allLags, 50), p99: percentile(allLags, 99), max: allLags.length ? Math.max(...allLags) : NaN, samples: allLags.length },
      warmSeconds,
    };
  } finally {
    await path?.stop().catch(() => undefined);
    await cap?.stop().catch(() => undefined);
    await legacy.execute('DROP TABLE IF EXISTS bench_apply_lag').catch(() => undefined);
    await state.close().catch(() => undefined);
    await log.close().catch(() => undefined);
    await next.close().catch(() => undefined);
    await legacy.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
