/**
 * npm run bench:verify [-- --customers N --rounds R --chunk C --threads N|auto --fresh]
 *
 * Rows compared per second by `siphon verify` on the billing system (default 20,300 customers ≈ 1 M legacy rows),
 * MariaDB legacy vs PostgreSQL next, against the floor of the same run: a plain streaming read of both sides with the
 * same keyset pages, without mapping or comparing. Verify runs as `siphon verify` does by default (`--threads auto`:
 * whole tables side by side on all cores but one — two threads on two cores —, the config loaded from
 * examples/billing/siphon.config.ts), and, when that is more than one thread, once more on one thread (verify1: what
 * verifying costs per row against the floor's one thread). `--threads 2` measures two threads on any machine. Rounds alternate floor / verify / verify1; medians, spread and the ratio are
 * printed, the last line is one JSON object (verifyRowsPerSec, floorRowsPerSec, ratioVsFloor, peakRssMb, and the same rates
 * per second of this process's CPU time with the load average, which tell a busy shared machine apart).
 * The databases are kept between runs (siphon_bench_verify_*, suffixed _cN for another --customers N) and rebuilt with
 * --fresh or when their size differs.
 * Next is filled by the test fixture `seedNextFromLegacy` (the mapping, no apply): what is measured is verify.
 * It runs with the V8 flags `siphon verify` runs with (bin/node-flags.js: it starts itself again with them, as the CLI
 * does), so that it measures what users run; the floor, in the same process, has them too.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { endAs, missingNodeFlags, reexecWithFlags, watchParent } from '../bin/node-flags.js';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openDatabase } from '../src/backends/open.js';
import type { Database } from '../src/backends/types.js';
import { generateLegacy } from '../examples/billing/generate/generate-legacy.js';
import { resolvedBillingTables, seedNextFromLegacy } from '../examples/billing/seed-next.js';
import { billingEntities, billingTables } from '../examples/billing/mapping/tables.js';
import { loadConfig } from '../src/config/load.js';
import { resolveConfig } from '../src/config/resolve.js';
import { autoThreads, runVerify } from '../src/verify/run-verify.js';
import { planTable } from '../src/verify/table-plan.js';
import { DEFAULT_CHUNK } from '../src/verify/verify-table.js';
import { MY_ADMIN_URL, PG_ADMIN_URL } from '../test/support/services.js';
import { median } from './lib/tools.js';
import type { Row, Value } from '../src/values/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CUSTOMERS = arg('customers', 20_300);
const ROUNDS = arg('rounds', 3);
const CHUNK = arg('chunk', DEFAULT_CHUNK);
const FRESH = process.argv.includes('--fresh');
// what `siphon verify` runs with by default (--threads auto); `--threads 1` measures the one-thread verifier
const THREADS: number | 'auto' = process.argv.includes('--threads') ? (process.argv[process.argv.indexOf('--threads') + 1] === 'auto' ? 'auto' : arg('threads', 1)) : 'auto';
// verify on one thread anyway (auto on two cores): no second verification round
const ONE_THREAD = THREADS === 1 || (THREADS === 'auto' && autoThreads(os.availableParallelism()) === 1);
// a smaller run keeps its own databases, so that iterating on a small table never rebuilds the million-row ones
const SUFFIX = CUSTOMERS === 20_300 ? '' : `_c${CUSTOMERS}`;
const LEGACY_DB = `siphon_bench_verify_legacy${SUFFIX}`;
const NEXT_DB = `siphon_bench_verify_next${SUFFIX}`;

const withDb = (url: string, db: string) => { const u = new URL(url); u.pathname = `/${db}`; return u.toString(); };
const legacyUrl = withDb(MY_ADMIN_URL, LEGACY_DB);
const nextUrl = withDb(PG_ADMIN_URL, NEXT_DB);

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 50);

async function prepare(): Promise<void> {
  const my = await mysql.createConnection(MY_ADMIN_URL);
  const [rows] = await my.query(`SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = 'CLIENT'`, [LEGACY_DB]);
  let have = (rows as { n: number }[])[0]!.n > 0 ? Number(((await my.query(`SELECT COUNT(*) AS n FROM ${LEGACY_DB}.CLIENT`))[0] as { n: number }[])[0]!.n) : -1;
  if (FRESH || have !== CUSTOMERS) {
    await my.query(`DROP DATABASE IF EXISTS ${LEGACY_DB}`);
    await my.query(`CREATE DATABASE ${LEGACY_DB}`);
    process.stderr.write(`generating ${CUSTOMERS} customers into MariaDB ${LEGACY_DB}…\n`);
    await generateLegacy({ legacy: legacyUrl, customers: CUSTOMERS, seed: 1, dirty: 0, progress: false });
    have = -2;
  }
  await my.end();
  const p = new pg.Client({ connectionString: PG_ADMIN_URL });
  await p.connect();
  const exists = (await p.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [NEXT_DB])).rowCount! > 0;
  if (!exists) await p.query(`CREATE DATABASE ${NEXT_DB}`);
  await p.end();
  const next = await openDatabase(nextUrl);
  let seeded = false;
  try { seeded = have !== -2 && exists && (await next.countRows('customers')) === CUSTOMERS; } catch { seeded = false; }
  if (!seeded) {
    process.stderr.write(`filling PostgreSQL ${NEXT_DB} through the mapping…\n`);
    const legacy = await openDatabase(legacyUrl);
    await seedNextFromLegacy({ legacy, next, tables: resolvedBillingTables() });
    await legacy.close();
    await next.execute('ANALYZE');
  }
  await next.close();
}

/**
 * The floor: both sides streamed with the very same keyset pages, nothing mapped or compared, the two sides read at
 * the same time (the best a plain read of both does).
 */
async function floor(legacy: Database, next: Database): Promise<number> {
  const config = resolveConfig({ name: 'bench', legacy: { db: legacyUrl, timezone: 'Europe/Paris' }, next: { db: nextUrl }, entities: billingEntities, tables: billingTables() });
  let rows = 0;
  const stream = async (ks: { page(after: Value[] | null, n: number): Promise<Row[]> }, key: readonly string[]) => {
    let after: Value[] | null = null;
    let n = 0;
    for (;;) {
      const page = await ks.page(after, CHUNK);
      n += page.length;
      if (page.length < CHUNK) return n;
      after = key.map((k) => page[page.length - 1]![k] ?? null);
    }
  };
  for (const name of Object.keys(config.tables)) {
    const plan = await planTable(config, legacy, next, name);
    const [legacyRows] = await Promise.all([
      stream(plan.legacy, plan.table.key),
      ...[...plan.targets.values()].map((t) => stream(t.keyset, t.key)),
    ]);
    rows += legacyRows;
  }
  return rows;
}

async function verify(legacy: Database, next: Database, threads: number | 'auto' = THREADS): Promise<number> {
  // the billing example's config file, as `siphon verify -c` loads it (its verify threads load it again): the same
  // tables as the floor's, pointed at the bench's databases through its environment variables
  process.env.BILLING_LEGACY_URL = legacyUrl;
  process.env.BILLING_NEXT_URL = nextUrl;
  const config = await loadConfig(fileURLToPath(new URL('../examples/billing/siphon.config.ts', import.meta.url)));
  const r = await runVerify({ config, legacy, next, chunkSize: CHUNK, threads, onTables: () => undefined });
  if (r.exitCode !== 0) throw new Error(`verify found ${r.verdict}: ${JSON.stringify(r.tables.map((t) => [t.table, t.counts, t.notes]))}`);
  return r.tables.reduce((n, t) => n + t.counts.legacyRows, 0);
}

async function main(): Promise<void> {
  await prepare();
  const legacy = await openDatabase(legacyUrl);
  const next = await openDatabase(nextUrl);
  // verify1: the same verification on one thread (what each row costs, against the floor's one thread)
  const rates: { floor: number[]; verify: number[]; verify1: number[] } = { floor: [], verify: [], verify1: [] };
  // rows per second of this process's CPU time: what the figures would be without the other processes of a shared machine
  const cpuRates: { floor: number[]; verify: number[]; verify1: number[] } = { floor: [], verify: [], verify1: [] };
  const loads: number[] = [];
  let rowsCompared = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of (ONE_THREAD ? ['floor', 'verify'] : ['floor', 'verify', 'verify1']) as ('floor' | 'verify' | 'verify1')[]) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const rows = kind === 'floor' ? await floor(legacy, next) : await verify(legacy, next, kind === 'verify1' ? 1 : THREADS);
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      rates[kind].push(rows / s);
      cpuRates[kind].push(rows / ((cpu.user + cpu.system) / 1e6));
      loads.push(os.loadavg()[0]!);
      if (kind === 'verify') rowsCompared = rows;
      process.stderr.write(`round ${round} ${kind.padEnd(6)} ${rows} rows in ${s.toFixed(2)} s = ${Math.round(rows / s)} rows/s\n`);
    }
  }
  await legacy.close();
  await next.close();
  clearInterval(sampler);
  const spread = (xs: number[]) => ({ min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) });
  const v = median(rates.verify), f = median(rates.floor);
  const pairs = rates.verify.map((x, i) => x / rates.floor[i]!);
  process.stderr.write(`verify ${Math.round(v)} rows/s (${JSON.stringify(spread(rates.verify))}), floor ${Math.round(f)} rows/s (${JSON.stringify(spread(rates.floor))}), ratio ${(v / f).toFixed(3)}\n`);
  console.log(JSON.stringify({
    rows: rowsCompared, customers: CUSTOMERS, rounds: ROUNDS, chunk: CHUNK, threads: THREADS,
    threadsUsed: THREADS === 'auto' ? autoThreads(os.availableParallelism()) : THREADS, cores: os.availableParallelism(),
    verifyRowsPerSec: Math.round(v), floorRowsPerSec: Math.round(f), ratioVsFloor: Number((v / f).toFixed(3)),
    ratioPerRound: pairs.map((x) => Number(x.toFixed(3))), verifySpread: spread(rates.verify), floorSpread: spread(rates.floor),
    verifyRowsPerCpuSec: Math.round(median(cpuRates.verify)), floorRowsPerCpuSec: Math.round(median(cpuRates.floor)),
    ...(rates.verify1.length ? {
      verifyOneThreadRowsPerSec: Math.round(median(rates.verify1)), ratioOneThreadVsFloor: Number((median(rates.verify1) / f).toFixed(3)),
      verifyOneThreadSpread: spread(rates.verify1), verifyOneThreadRowsPerCpuSec: Math.round(median(cpuRates.verify1)),
    } : {}),
    loadAvg1m: Number(median(loads).toFixed(1)),
    v8Flags: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].filter((f) => /^--max[-_]semi/.test(f)),
    peakRssMb: Math.round(peakRss / 1048576),
  }));
}

const nodeFlags = missingNodeFlags('verify');
if (nodeFlags.length > 0) {
  clearInterval(sampler);
  endAs(await reexecWithFlags(nodeFlags, fileURLToPath(import.meta.url), process.argv.slice(2)));
} else {
  watchParent();
  main().catch((e) => { console.error(e); process.exit(1); });
}
