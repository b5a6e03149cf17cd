import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { startLegacyApp } from '../../examples/billing/legacy-app/start-legacy-app.js';
import { CUSTOMER_STATUS, INVOICE_STATUS } from '../../examples/billing/legacy-app/translate.js';
import { nextDdl } from '../../examples/billing/next/schema.js';
import { runTraffic } from '../../examples/billing/traffic/run-traffic.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { PG_ADMIN_URL } from '../support/services.js';

/**
 * `siphon start` with the billing system under traffic through its gateway (legacy SQLite behind the legacy app,
 * next on PostgreSQL): next's database stops accepting connections and every connection to it is terminated, so the
 * migration's apply fails → the supervisor restarts it with backoff (failures, last error and next retry visible in
 * /status) while the gateway keeps answering; connections come back → it resumes. Then SIGTERM under load: readiness
 * turns 503, the traffic (as a load balancer would) stops sending new requests, in-flight ones finish; exit 0. A
 * resume (`siphon migrate --until-done`) ends with next == to(legacy) by plain SQL on each side, and next's own
 * triggers prove no row went back to an older image (nothing applied twice with effect).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CUSTOMERS = 60;
const dir = mkdtempSync(join(tmpdir(), 'siphon-start-e2e-'));
let next: FreshDatabase;
beforeAll(async () => { next = await freshDatabase('postgres', 'siphon_start'); });
afterAll(async () => { await next?.drop(); rmSync(dir, { recursive: true, force: true }); });
/** The test server trusts local connections: a password in the URL is accepted and must never be shown. */
const SECRET = 'pw-never-shown';
const withPassword = (url: string) => { const u = new URL(url); u.password = SECRET; return u.toString(); };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const AUDIT = [
  'CREATE TABLE audit_writes (id BIGSERIAL PRIMARY KEY, tbl TEXT NOT NULL, k TEXT NOT NULL, img TEXT NOT NULL)',
  ...[['customers', 'id', 'json_build_array(NEW.postal_code, NEW.city, NEW.updated_at, NEW.status)'],
    ['invoices', 'number', 'json_build_array(NEW.status, NEW.amount_excl_tax)'],
    ['payments', 'reference', 'json_build_array(NEW.amount, NEW.invoice_number, NEW.method)']].flatMap(([t, k, img]) => [
    `CREATE FUNCTION audit_${t}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit_writes (tbl, k, img) VALUES ('${t}', NEW.${k}::text, (${img})::text); RETURN NEW; END $$`,
    `CREATE TRIGGER audit_${t} AFTER INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION audit_${t}()`,
  ]),
];

async function pgQuery<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return (await c.query(sql)).rows as T[]; } finally { await c.end(); }
}

const caseOf = (col: string, m: Readonly<Record<string, string>>) => `CASE ${col} ${Object.entries(m).map(([k, v]) => `WHEN ${Number(k)} THEN '${v}'`).join(' ')} END`;
const amount = (v: unknown) => (v === null || v === undefined ? null : Number(v).toFixed(2));

/** Differences between next (PostgreSQL) and to(legacy) (SQLite, quarantined keys left out): empty when next is right. */
async function compare(legacyPath: string, statePath: string, nextUrl: string): Promise<string[]> {
  const l = new Sqlite(legacyPath, { readonly: true });
  const st = new Sqlite(statePath, { readonly: true });
  const quarantined = new Set((st.prepare(`SELECT source_table || ' ' || key AS k FROM quarantine WHERE state = 'open'`).all() as { k: string }[]).map((r) => r.k));
  st.close();
  const keep = (table: string, key: string) => !quarantined.has(`${table} ${key}`);
  const expected: Record<string, string[]> = {
    customers: (l.prepare(`SELECT CLI_ID AS k, TRIM(CLI_CP) AS cp, ${caseOf('CLI_STATUT', CUSTOMER_STATUS)} AS st FROM CLIENT`).all() as { k: number; cp: string; st: string }[])
      .filter((r) => keep('CLIENT', `int:${r.k}`)).map((r) => JSON.stringify([String(r.k), r.cp, r.st])),
    invoices: (l.prepare(`SELECT FAC_NUM AS k, ${caseOf('FAC_STATUT', INVOICE_STATUS)} AS st, FAC_MT_HT AS ht FROM FACTURE`).all() as { k: number; st: string; ht: unknown }[])
      .filter((r) => keep('FACTURE', `int:${r.k}`)).map((r) => JSON.stringify([String(r.k), r.st, amount(r.ht)])),
    payments: (l.prepare('SELECT REG_REF AS k, FAC_NUM AS inv, REG_MT AS amt FROM REGLEMENT').all() as { k: string; inv: number; amt: unknown }[])
      .filter((r) => keep('REGLEMENT', `"${r.k}"`)).map((r) => JSON.stringify([r.k, String(r.inv), amount(r.amt)])),
    contracts: (l.prepare('SELECT CTR_NUM AS k FROM CONTRAT').all() as { k: string }[]).filter((r) => keep('CONTRAT', `"${r.k}"`)).map((r) => JSON.stringify([r.k])),
    invoice_lines: (l.prepare('SELECT FAC_NUM AS k, LIG_NO AS n FROM LIGNE_FACT').all() as { k: number; n: number }[])
      .filter((r) => keep('LIGNE_FACT', `int:${r.k}|int:${r.n}`)).map((r) => JSON.stringify([String(r.k), String(r.n)])),
  };
  l.close();
  const actual: Record<string, string[]> = {
    customers: (await pgQuery<{ k: string; cp: string; st: string }>(nextUrl, 'SELECT id::text AS k, postal_code AS cp, status AS st FROM customers')).map((r) => JSON.stringify([r.k, r.cp, r.st])),
    invoices: (await pgQuery<{ k: string; st: string; ht: unknown }>(nextUrl, 'SELECT number::text AS k, status AS st, amount_excl_tax AS ht FROM invoices')).map((r) => JSON.stringify([r.k, r.st, amount(r.ht)])),
    payments: (await pgQuery<{ k: string; inv: string; amt: unknown }>(nextUrl, 'SELECT reference AS k, invoice_number::text AS inv, amount AS amt FROM payments')).map((r) => JSON.stringify([r.k, r.inv, amount(r.amt)])),
    contracts: (await pgQuery<{ k: string }>(nextUrl, 'SELECT number AS k FROM contracts')).map((r) => JSON.stringify([r.k])),
    invoice_lines: (await pgQuery<{ k: string; n: string }>(nextUrl, 'SELECT invoice_number::text AS k, line_number::text AS n FROM invoice_lines')).map((r) => JSON.stringify([r.k, r.n])),
  };
  const out: string[] = [];
  for (const t of Object.keys(expected)) {
    const e = new Set(expected[t]), a = new Set(actual[t]);
    if (e.size === 0) out.push(`${t}: legacy gave no row: the comparison would prove nothing`);
    for (const x of e) if (!a.has(x)) out.push(`${t}: missing or different in next: ${x}`);
    for (const x of a) if (!e.has(x)) out.push(`${t}: extra or different in next: ${x}`);
  }
  const [{ n }] = await pgQuery<{ n: string }>(nextUrl, 'SELECT COUNT(*) AS n FROM audit_writes') as [{ n: string }];
  if (Number(n) === 0) out.push('the audit triggers saw no write');
  for (const r of await pgQuery<Record<string, unknown>>(nextUrl, `SELECT a.tbl, a.k, a.img AS older, b.img AS newer FROM audit_writes a
      JOIN audit_writes b ON b.tbl = a.tbl AND b.k = a.k AND b.id > a.id AND b.img <> a.img
      JOIN audit_writes c ON c.tbl = a.tbl AND c.k = a.k AND c.id > b.id AND c.img = a.img LIMIT 5`)) {
    out.push(`went back to an older image: ${JSON.stringify(r)}`);
  }
  return out.slice(0, 20);
}

interface Status { state: string; ready: boolean; components: { name: string; state: string; ready: boolean; failures: number; restarts: number; lastError: { message: string } | null; nextRetryAt: string | null; detail?: { port?: number } }[] }

describe('siphon start', () => {
  it('restarts the migration with backoff after next loses its connections while the gateway keeps answering; SIGTERM under load drains with no failed request and resumes cleanly', async () => {
    const legacyPath = join(dir, 'legacy.sqlite'), statePath = join(dir, 'state.sqlite');
    await generateLegacy({ legacy: `sqlite:${legacyPath}`, customers: CUSTOMERS, seed: 16, dirty: 0.03, reset: true, progress: false });
    for (const s of [...nextDdl('postgres', { reset: true }), ...AUDIT]) await pgQuery(next.url, s);
    const legacy = await openDatabase(`sqlite:${legacyPath}`);
    const app = await startLegacyApp({ db: legacy });
    const config = join(dir, 'siphon.config.ts');
    writeFileSync(config, `import { defineMigration } from '${ROOT}src/config/define.js';
import { billingEntities, billingTables } from '${ROOT}examples/billing/mapping/tables.js';
export default defineMigration({
  name: 'start-e2e', legacy: { db: 'sqlite:${legacyPath}', timezone: 'Europe/Paris', http: '${app.url}' },
  next: { db: '${withPassword(next.url)}', http: '${app.url}' },
  state: 'sqlite:${statePath}', log: 'sqlite:${join(dir, 'log.sqlite')}', entities: billingEntities, tables: billingTables(),
  admin: { port: 0, tokenFile: '${join(dir, 'admin-tokens')}' },
  start: {
    health: { port: 0 }, gateway: { port: 0 }, migrate: { chunkSize: 100, capturePollMs: 50 },
    restart: { initialMs: 300, maxMs: 2000 }, drain: { delayMs: 1500 },
  },
});
`);
    const child = spawn('node', ['bin/siphon.js', 'start', '-c', config, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIPHON_LOG_LEVEL: 'warn' } });
    let out = '', err = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const why = () => `stderr:\n${err.slice(-3000)}\nstdout:\n${out.slice(-2000)}`;
    let trafficOn = false;
    let traffic: Promise<void> = Promise.resolve();
    const totals = { requests: 0, failed: 0, serverErrors: 0, writes: 0 };
    try {
      for (let i = 0; i < 600 && !out.includes('"event":"started"'); i++) {
        if (child.exitCode !== null) break;
        await sleep(50);
      }
      const started = JSON.parse(out.split('\n').find((l) => l.includes('"event":"started"')) ?? 'null') as { healthPort: number; roles: string[] } | null;
      expect(started, why()).not.toBeNull();
      expect(started!.roles.sort()).toEqual(['control', 'gateway', 'migrate']);
      const health = `http://127.0.0.1:${started!.healthPort}`;
      const status = async () => {
        try { return (await (await fetch(`${health}/status`)).json()) as Status; } catch (e) { throw new Error(`/status: ${(e as Error).message}\n${why()}`); }
      };
      const component = async (name: string) => (await status()).components.find((c) => c.name === name)!;
      const gatewayPort = (await component('gateway')).detail!.port!;
      const gateway = `http://127.0.0.1:${gatewayPort}`;
      expect((await fetch(`${health}/healthz`)).status).toBe(200);
      for (let i = 0; i < 200 && (await fetch(`${health}/readyz`)).status !== 200; i++) await sleep(50);
      expect((await fetch(`${health}/readyz`)).status, why()).toBe(200);

      // the control role: the admin API (token required) with the dashboard, and the canary analysis loop
      const admin = (await component('admin')).detail as { url?: string } | undefined;
      expect(admin?.url, why()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const operator = readFileSync(join(dir, 'admin-tokens'), 'utf8').split('\n').find((l) => l.startsWith('operator '))!.split(/\s+/)[2]!;
      expect((await fetch(`${admin!.url}/routes`)).status).toBe(401);
      expect((await fetch(`${admin!.url}/routes`, { headers: { authorization: `Bearer ${operator}` } })).status).toBe(200);
      expect((await fetch(`${admin!.url}/dashboard/`)).status).toBe(200);
      expect((await component('analysis')).ready).toBe(true);

      // traffic through the gateway, stopping new requests once readiness says 503 (a load balancer's behaviour)
      let ready = true;
      const poller = setInterval(() => { void fetch(`${health}/readyz?component=gateway`).then((r) => { ready = r.status === 200; }, () => { ready = false; }); }, 100);
      const startTraffic = () => {
        trafficOn = true;
        traffic = (async () => {
          for (let round = 0; trafficOn && ready; round++) {
            const s = await runTraffic({ target: gateway, rate: 40, durationS: 0.5, users: 15, seed: `start:${round}`, customers: CUSTOMERS, timeoutMs: 15_000 });
            totals.requests += s.completed + s.failed; totals.failed += s.failed; totals.writes += s.writes;
            totals.serverErrors += Object.entries(s.statuses).filter(([code]) => code.startsWith('5')).reduce((n, [, c]) => n + c, 0);
          }
        })();
      };
      startTraffic();
      await sleep(2000);

      // next stops accepting connections, and every connection to it is cut: apply fails, the migration is restarted
      const nextName = next.name;
      await pgQuery(PG_ADMIN_URL, `ALTER DATABASE ${nextName} ALLOW_CONNECTIONS false`);
      await pgQuery(PG_ADMIN_URL, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${nextName}' AND pid <> pg_backend_pid()`);
      let seen: Status['components'][number] | undefined;
      for (let i = 0; i < 600; i++) {
        seen = await component('migrate');
        if (seen.failures >= 2 && seen.state === 'backoff') break;
        await sleep(100);
      }
      expect(seen, why()).toMatchObject({ state: 'backoff', ready: false });
      expect(seen!.failures, why()).toBeGreaterThanOrEqual(2); // the failure, then at least one restart that failed too
      expect(seen!.restarts).toBeGreaterThanOrEqual(1);
      expect(seen!.lastError?.message).toMatch(/.+/);
      expect(JSON.stringify(await status())).not.toContain(SECRET);
      expect(Date.parse(seen!.nextRetryAt!)).toBeGreaterThan(Date.now() - 5000);
      expect((await fetch(`${health}/readyz`)).status).toBe(503); // the process as a whole is not ready...
      expect((await fetch(`${health}/readyz?component=gateway`)).status).toBe(200); // ...its gateway is, and keeps serving
      const during = totals.requests;
      // `siphon status` shows the same, read from the running process (next cannot be read now: it says so, exit 1)
      const st = spawn('node', ['bin/siphon.js', 'status', '-c', config, '--health', health, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stOut = '';
      st.stdout!.on('data', (d: Buffer) => { stOut += d.toString(); });
      expect(await new Promise((r) => st.once('exit', r))).toBe(1);
      const fromCli = (JSON.parse(stOut) as { error: string; start: { running: boolean; status: Status } }).start;
      expect(fromCli.running).toBe(true);
      expect(fromCli.status.components.find((c) => c.name === 'migrate')!.failures).toBeGreaterThanOrEqual(2);
      const metrics = await (await fetch(`${health}/metrics`)).text();
      expect(metrics).toMatch(/siphon_component_failures_total\{component="migrate"\} ([2-9]|[1-9]\d+)\n/);
      // the gateway answered all along
      expect((await component('gateway')).state).toBe('running');

      await pgQuery(PG_ADMIN_URL, `ALTER DATABASE ${nextName} ALLOW_CONNECTIONS true`);
      for (let i = 0; i < 300; i++) {
        seen = await component('migrate');
        if (seen.state === 'running' && (await fetch(`${health}/readyz`)).status === 200) break;
        await sleep(100);
      }
      expect(seen, why()).toMatchObject({ state: 'running', ready: true });
      expect(totals.requests, 'the gateway answered while the migration was down').toBeGreaterThan(during);
      await sleep(2000); // more traffic after the recovery

      // SIGTERM under load
      const before = totals.requests;
      child.kill('SIGTERM');
      const code = await exited;
      clearInterval(poller);
      trafficOn = false;
      await traffic;
      expect(code, why()).toBe(0);
      expect(out + err).not.toContain(SECRET);
      expect(out).toContain('"event":"stopped"');
      expect(totals.requests, 'traffic ran').toBeGreaterThan(100);
      expect(totals.requests, 'requests were answered during the drain delay').toBeGreaterThan(before);
      expect(totals.writes).toBeGreaterThan(5);
      expect({ failed: totals.failed, serverErrors: totals.serverErrors }, why()).toEqual({ failed: 0, serverErrors: 0 });

      // clean resume: the rest is applied, and next equals to(legacy)
      const resume = spawn('node', ['bin/siphon.js', 'migrate', '-c', config, '--json', '--until-done'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIPHON_LOG_LEVEL: 'warn' } });
      let rerr = '';
      resume.stderr!.on('data', (d: Buffer) => { rerr += d.toString(); });
      expect(await new Promise<number | null>((r) => resume.once('exit', r)), rerr).toBe(0);
      expect(await compare(legacyPath, statePath, next.url)).toEqual([]);
    } finally {
      trafficOn = false;
      if (child.exitCode === null) child.kill('SIGKILL');
      await traffic.catch(() => undefined);
      await pgQuery(PG_ADMIN_URL, `ALTER DATABASE ${next.name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await app.close();
      await legacy.close();
    }
  }, 300_000);
});
