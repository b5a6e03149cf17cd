/**
 * npm run bench:backfill — copy the same billing rows MariaDB → PostgreSQL three ways, in alternating rounds (not a test):
 *  - Siphon: binlog capture running, DBLog chunks, the real applier (cleaning, validation, versions, lineage, FKs),
 *    in its own process (bench/lib/backfill-child.ts) so its peak RSS (VmHWM) is its own;
 *  - pgloader (Debian package, installed with apt-get when missing), under /usr/bin/time -v for its peak RSS;
 *  - the raw floor: `mariadb -B -N -q -e 'SELECT * FROM T' | psql -c '\copy T FROM STDIN'` per table, into text columns.
 * Each round copies into a fresh PostgreSQL database. Rows/s = legacy rows of the five tables / wall time.
 * Last line: one JSON object (medians; spreads and ratios alongside).
 * Knobs: BENCH_CUSTOMERS (21000 ≈ one million rows), BENCH_ROUNDS (2), BENCH_CHUNK (2000),
 * SIPHON_BENCH_MY_URL (mysql://root@127.0.0.1:3306/siphon_bench_backfill), SIPHON_BENCH_PG_ADMIN (postgres://postgres@127.0.0.1:5432/postgres).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { generateLegacy } from '../examples/billing/generate/generate-legacy.js';
import { median } from './lib/tools.js';

process.env.SIPHON_LOG_LEVEL ??= 'silent';
const MY = process.env.SIPHON_BENCH_MY_URL ?? 'mysql://root@127.0.0.1:3306/siphon_bench_backfill';
const PG_ADMIN = process.env.SIPHON_BENCH_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 21_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TABLES = ['CLIENT', 'CONTRAT', 'FACTURE', 'LIGNE_FACT', 'REGLEMENT'];
const my = new URL(MY);
const myDb = my.pathname.slice(1);
const pgAdmin = new URL(PG_ADMIN);
const log = (m: string) => process.stderr.write(`${m}\n`);

function ensurePgloader(): void {
  try { execFileSync('pgloader', ['--version'], { stdio: 'ignore' }); return; } catch { /* install below */ }
  log('pgloader missing: apt-get install -y pgloader');
  execFileSync('apt-get', ['install', '-y', 'pgloader'], { stdio: 'inherit' });
}

/** The legacy billing rows, generated once and kept (a meta table records for how many customers). */
async function ensureLegacy(): Promise<number> {
  const admin = await mysql.createConnection({ host: my.hostname, port: Number(my.port || 3306), user: decodeURIComponent(my.username || 'root'), password: decodeURIComponent(my.password) });
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${myDb}\``);
    await admin.query(`USE \`${myDb}\``);
    await admin.query('CREATE TABLE IF NOT EXISTS siphon_bench_meta (customers INT NOT NULL)');
    const [meta] = await admin.query('SELECT customers FROM siphon_bench_meta') as unknown as [{ customers: number }[]];
    if (meta[0]?.customers !== CUSTOMERS) {
      log(`generating ${CUSTOMERS} billing customers into ${myDb} (once; kept for later runs)`);
      await generateLegacy({ legacy: MY, customers: CUSTOMERS, seed: 1, dirty: 0, reset: true, progress: false });
      await admin.query('DELETE FROM siphon_bench_meta');
      await admin.query('INSERT INTO siphon_bench_meta VALUES (?)', [CUSTOMERS]);
    }
    let total = 0;
    for (const t of TABLES) {
      const [r] = await admin.query(`SELECT COUNT(*) AS n FROM ${t}`) as unknown as [{ n: number }[]];
      total += Number(r[0]!.n);
    }
    return total;
  } finally { await admin.end(); }
}

async function freshPg(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally { await c.end(); }
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}

async function dropPg(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } finally { await c.end(); }
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ stdout, stderr, code: code ?? 1 }));
  });
}

interface Round { rowsPerSec: number; peakRssMb: number | null }

async function siphonRound(rows: number, i: number): Promise<Round> {
  const name = `siphon_bench_bf_next_${i}`;
  const url = await freshPg(name);
  const work = mkdtempSync(join(tmpdir(), 'siphon-bench-bf-'));
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib', 'backfill-child.ts'), MY, url, work]);
    if (r.code !== 0) throw new Error(`siphon round failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rows: number; seconds: number; peakRssMb: number; applySeconds: unknown };
    if (out.rows !== rows) log(`warning: siphon copied ${out.rows} rows, legacy holds ${rows}`);
    const profile = r.stderr.split('\n').find((l) => l.startsWith('profile'));
    if (profile) log(`siphon   round ${i} ${profile}`);
    log(`siphon   round ${i}: ${Math.round(rows / out.seconds)} rows/s, peak RSS ${out.peakRssMb.toFixed(0)} MB, time in applier ${JSON.stringify(out.applySeconds)} s of ${out.seconds.toFixed(1)} s`);
    return { rowsPerSec: rows / out.seconds, peakRssMb: out.peakRssMb };
  } finally { rmSync(work, { recursive: true, force: true }); await dropPg(name); }
}

async function pgloaderRound(rows: number, i: number): Promise<Round> {
  const name = `siphon_bench_bf_pgl_${i}`;
  const url = await freshPg(name);
  try {
    const t0 = performance.now();
    const r = await run('/usr/bin/time', ['-v', 'pgloader', '--quiet', `mysql://${my.username || 'root'}@${my.hostname}:${my.port || 3306}/${myDb}`, url]);
    const seconds = (performance.now() - t0) / 1000;
    if (r.code !== 0) throw new Error(`pgloader failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    const rss = kb ? Number(kb[1]) / 1024 : null;
    log(`pgloader round ${i}: ${Math.round(rows / seconds)} rows/s, peak RSS ${rss?.toFixed(0)} MB`);
    return { rowsPerSec: rows / seconds, peakRssMb: rss };
  } finally { await dropPg(name); }
}

async function rawRound(rows: number, i: number): Promise<Round> {
  const name = `siphon_bench_bf_raw_${i}`;
  const url = await freshPg(name);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const admin = await mysql.createConnection(MY);
    for (const t of TABLES) {
      const [cols] = await admin.query(`SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [myDb, t]) as unknown as [{ COLUMN_NAME: string }[]];
      await c.query(`CREATE TABLE "${t}" (${cols.map((x) => `"${x.COLUMN_NAME}" text`).join(', ')})`);
    }
    await admin.end();
    const t0 = performance.now();
    for (const t of TABLES) {
      const mysqlArgs = `-h ${my.hostname} -P ${my.port || 3306} -u ${my.username || 'root'} ${myDb}`;
      const psqlArgs = `-h ${pgAdmin.hostname} -p ${pgAdmin.port || 5432} -U ${pgAdmin.username || 'postgres'} -d ${name}`;
      const r = await run('bash', ['-o', 'pipefail', '-c', `mariadb -B -N -q ${mysqlArgs} -e 'SELECT * FROM ${t}' | psql -q ${psqlArgs} -c "\\copy \\"${t}\\" FROM STDIN WITH (NULL 'NULL')"`]);
      if (r.code !== 0) throw new Error(`raw pipe failed on ${t}: ${r.stderr.slice(-1000)}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    log(`raw pipe round ${i}: ${Math.round(rows / seconds)} rows/s`);
    return { rowsPerSec: rows / seconds, peakRssMb: null };
  } finally { await c.end(); await dropPg(name); }
}

const spread = (xs: readonly number[]) => ({ min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) });

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed for pgloader\'s peak RSS (apt-get install -y time)');
  ensurePgloader();
  const rows = await ensureLegacy();
  log(`legacy: ${rows} rows in ${TABLES.join(', ')} (${CUSTOMERS} customers); ${ROUNDS} alternating rounds`);
  const s: Round[] = [], p: Round[] = [], f: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // alternate the order too, so that none always runs on a warmer cache
    const order = i % 2 === 0 ? ['siphon', 'pgloader', 'raw'] : ['raw', 'pgloader', 'siphon'];
    for (const which of order) {
      if (which === 'siphon') s.push(await siphonRound(rows, i));
      else if (which === 'pgloader') p.push(await pgloaderRound(rows, i));
      else f.push(await rawRound(rows, i));
    }
  }
  const sm = median(s.map((r) => r.rowsPerSec)), pm = median(p.map((r) => r.rowsPerSec)), fm = median(f.map((r) => r.rowsPerSec));
  const rss = (xs: Round[]) => { const v = xs.map((r) => r.peakRssMb).filter((x): x is number => x !== null); return v.length ? Math.round(Math.max(...v)) : null; };
  const result = {
    rows, rounds: ROUNDS,
    siphonRowsPerSec: Math.round(sm), pgloaderRowsPerSec: Math.round(pm), rawFloorRowsPerSec: Math.round(fm),
    ratioVsPgloader: Number((sm / pm).toFixed(3)), ratioVsFloor: Number((sm / fm).toFixed(3)),
    siphonPeakRssMb: rss(s), pgloaderPeakRssMb: rss(p),
    spread: { siphon: spread(s.map((r) => r.rowsPerSec)), pgloader: spread(p.map((r) => r.rowsPerSec)), raw: spread(f.map((r) => r.rowsPerSec)) },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:backfill: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
