/**
 * One Siphon backfill round of `npm run bench:backfill`, in its own process so that its peak RSS is its own:
 * binlog capture running, the data path (merger + real applier: cleaning, validation, versions, lineage, foreign
 * keys) and the backfill of the five billing tables, MariaDB → PostgreSQL. Prints one JSON line:
 * { rows, seconds, peakRssMb, applySeconds }.
 * argv: LEGACY_URL NEXT_URL WORK_DIR
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createApplier } from '../../src/apply/index.js';
import { backfillOrder } from '../../src/apply/next-tables.js';
import { PROFILE } from '../../src/apply/batch-tx.js';
import { BULK_PROFILE, BULK_STATS } from '../../src/apply/bulk/bulk-tx.js';
import { openDatabase } from '../../src/backends/open.js';
import { createBackfill } from '../../src/backfill/backfill.js';
import { DataPath } from '../../src/backfill/data-path.js';
import { BinlogCapture } from '../../src/capture/binlog/source.js';
import { logSink } from '../../src/capture/sink.js';
import { ensureWatermarkTable } from '../../src/capture/watermark.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { openLog } from '../../src/log/open.js';
import { openStateStore } from '../../src/state/open.js';
import { billingEntities, billingTables } from '../../examples/billing/mapping/tables.js';
import { nextDdl } from '../../examples/billing/next/schema.js';

process.env.SIPHON_LOG_LEVEL ??= 'silent';
const [legacyUrl, nextUrl, work] = process.argv.slice(2) as [string, string, string];
const TABLES = ['CLIENT', 'CONTRAT', 'FACTURE', 'LIGNE_FACT', 'REGLEMENT'];
// 2000: the same rate as 5000 here with the bulk path, and a third less peak RSS (fewer chunk rows in flight)
const CHUNK = Number(process.env.BENCH_CHUNK ?? 2000);

const legacy = await openDatabase(legacyUrl);
await ensureWatermarkTable(legacy);
const log = await openLog(`sqlite:${join(work, 'log.sqlite')}`);
const capture = new BinlogCapture(legacy, legacyUrl, { source: 'legacy', tables: TABLES });
await capture.start(logSink(log, 'legacy'));
const next = await openDatabase(nextUrl);
for (const s of nextDdl('postgres', { foreignKeys: true })) await next.execute(s);
const state = await openStateStore(`sqlite:${join(work, 'state.sqlite')}`);
const config = resolveConfig({ name: 'billing', legacy: { db: legacyUrl }, next: { db: nextUrl }, entities: billingEntities, tables: billingTables() });
const applier = await createApplier({ config, next, state });
await applier.apply([], { checkpoint: { consumer: 'apply', expected: null, next: (await log.stats()).lastOffset } });
const path = new DataPath({ log, applier });
await path.start();
// BENCH_ORDER=0: every table from the start (children may arrive before their parents, and wait per row)
const order = process.env.BENCH_ORDER === '0' ? new Map<string, string[]>() : backfillOrder(config, applier.nextTables);
const backfill = createBackfill({ tables: TABLES.map((table) => ({ table, after: order.get(table) ?? [] })), chunkSize: CHUNK, parallelTables: 2, pipelineDepth: Number(process.env.BENCH_DEPTH ?? 2) },
  { legacy, source: 'legacy', applier, path, settings: state });
// peak heap next to peak RSS: tells the JavaScript live set from what V8 and the modules hold
const peak = { heapUsed: 0, external: 0 };
const sampler = setInterval(() => { const m = process.memoryUsage(); peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed); peak.external = Math.max(peak.external, m.external); }, 200);
sampler.unref();
const t0 = performance.now();
await backfill.start();
await backfill.finished;
const seconds = (performance.now() - t0) / 1000;
const rows = backfill.status().rowsCopied;
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const applySeconds = path.status().applySeconds;
await path.stop();
await capture.stop();
await applier.close();
await Promise.all([state.close(), next.close(), legacy.close(), log.close()]);
if (process.env.SIPHON_APPLY_PROFILE === '1') {
  const ms = (m: Map<string, number>) => Object.fromEntries([...m].map(([k, v]) => [k, Math.round(v)]));
  process.stderr.write(`profile (ms): ${JSON.stringify({ apply: ms(PROFILE), bulk: ms(BULK_PROFILE), bulkStats: BULK_STATS, peakHeapMb: Math.round(peak.heapUsed / 2 ** 20), peakExternalMb: Math.round(peak.external / 2 ** 20) })}\n`);
}
process.stdout.write(`${JSON.stringify({ rows, seconds, peakRssMb: hwm ? Number(hwm[1]) / 1024 : null, applySeconds })}\n`);
