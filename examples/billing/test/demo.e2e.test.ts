import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DemoReport } from '../../../src/demo/types.js';
import { freshDatabase } from '../../../test/support/engines.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const SMALL = ['--customers', '150', '--traffic-seconds', '1', '--rate', '30'];
const STEPS = ['prepare', 'generate-legacy', 'next-schema', 'admin', 'start-apps', 'migrate', 'gateway-shadow', 'samples', 'gateway', 'canary',
  'bad-canary', 'owner', 'captured', 'migrated', 'verify', 'promote', 'scoreboard'];
/** Legacy table → its next table (one row each: the billing mapping is row to row). */
const TABLES: Record<string, string> = { CLIENT: 'customers', CONTRAT: 'contracts', FACTURE: 'invoices', LIGNE_FACT: 'invoice_lines', REGLEMENT: 'payments' };

type Report = DemoReport & {
  scoreboard: { failedUserRequests: number; rowsLost: number; quarantined: number; quarantinedByReason: Record<string, number> };
  canary: { route: string; stepsReached: number[]; status: string; rolledBack: { route: string; check: string; checks: string[]; reason: string } | null } | null;
  aspired: number; promoted: string[];
};
/** Counts by plain SQL on one side (SQLite file, MariaDB or PostgreSQL through their own drivers, not Siphon's adapters). */
type Count = (sql: string) => Promise<number>;
/** The `k` column of every row, as text. */
type Keys = (sql: string) => Promise<string[]>;

const sqliteCount = (file: string): { count: Count; keys: Keys; close(): void } => {
  const db = new Database(file, { readonly: true });
  return {
    count: async (sql) => Number((db.prepare(sql).get() as { n: number }).n),
    keys: async (sql) => (db.prepare(sql).all() as { k: unknown }[]).map((r) => String(r.k)),
    close: () => db.close(),
  };
};

/**
 * The end state, judged by plain SQL on the demo's databases and its state store (SQLite in the demo folder in both
 * cases), and the report's own claims checked against it.
 */
async function checkEndState(report: Report, dir: string, legacy: Count, next: Count, legacyKeys: Keys): Promise<void> {
  expect(report.ok, JSON.stringify(report.steps.filter((s) => !s.ok))).toBe(true);
  expect(report.steps.map((s) => s.id)).toEqual(STEPS);
  expect(report.scoreboard).toMatchObject({ failedUserRequests: 0, rowsLost: 0 });
  expect(report.scoreboard.quarantined).toBeGreaterThan(0); // the planted dirty rows, listed by reason
  expect(Object.values(report.scoreboard.quarantinedByReason).reduce((a, b) => a + b, 0)).toBe(report.scoreboard.quarantined);
  const state = new Database(join(dir, 'state.sqlite'), { readonly: true });
  try {
    const one = <T>(sql: string, ...args: unknown[]) => state.prepare(sql).get(...args) as T;
    const all = <T>(sql: string, ...args: unknown[]) => state.prepare(sql).all(...args) as T[];
    // per table: every legacy row is in next, or quarantined (open) with its reason
    for (const [l, n] of Object.entries(TABLES)) {
      const quarantined = one<{ n: number }>(`SELECT COUNT(DISTINCT key) AS n FROM quarantine WHERE source_table = ? AND state = 'open'`, l).n;
      expect(await next(`SELECT COUNT(*) AS n FROM ${n}`) + quarantined, `${l} = ${n} + quarantined`).toBe(await legacy(`SELECT COUNT(*) AS n FROM ${l}`));
    }
    // the canary stepped by the analysis: 10 % then 50 %, then promoted; its verdicts judged at both steps
    const canary = all<{ action: string; actor: string }>(`SELECT action, actor FROM audit WHERE subject = 'invoices' AND action LIKE 'canary.%' ORDER BY id`);
    expect(canary.map((a) => a.action)).toEqual(['canary.start', 'canary.advance', 'canary.promote']);
    expect(canary.slice(1).every((a) => a.actor === 'siphon canary analysis')).toBe(true);
    const percents = all<{ percent: number }>(`SELECT DISTINCT percent FROM canary_verdicts WHERE route_id = 'invoices' ORDER BY percent`).map((v) => v.percent);
    expect(percents).toEqual([10, 50]);
    expect(report.canary).toMatchObject({ route: 'invoices', status: 'promoted', stepsReached: [10, 50, 100] });
    // the bad canary: rolled back by the analysis itself, the audit entry naming the failing check with its figures
    const rollbacks = all<{ actor: string; reason: string }>(`SELECT actor, reason FROM audit WHERE subject = 'customer' AND action = 'canary.rollback'`);
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]!.actor).toBe('siphon canary analysis');
    expect(rollbacks[0]!.reason).toMatch(/diff_rate failed \(real differences \d+\/\d+ compared/);
    expect(report.canary?.rolledBack).toMatchObject({ route: 'customer', check: 'diff_rate' });
    expect(report.canary?.rolledBack?.checks).toContain('diff_rate');
    expect(one<{ n: number }>(`SELECT COUNT(*) AS n FROM audit WHERE action = 'backfill.pause'`).n).toBe(1);
    expect(one<{ n: number }>(`SELECT COUNT(*) AS n FROM audit WHERE action = 'backfill.resume'`).n).toBe(1);
    // aspire on first touch: customers pulled by a read — marked migrated in legacy (`siphon_migrated`) and audited
    // `entity.aspire` — among them customers above the paused backfill's reach, in legacy only when first read
    const aspiredKeys = (await legacyKeys(`SELECT entity_key AS k FROM siphon_migrated WHERE entity = 'customer'`)).map(Number);
    expect(aspiredKeys.length).toBeGreaterThanOrEqual(1);
    expect(report.aspired).toBeGreaterThanOrEqual(1);
    // pulled by users' reads: the aspire entries are the gateway's (whose first touch triggered them)
    const aspireActors = all<{ actor: string; subject: string }>(`SELECT actor, subject FROM audit WHERE action = 'entity.aspire'`);
    expect(aspireActors.map((a) => Number(a.subject.replace('customer:', ''))).sort((a, b) => a - b)).toEqual([...aspiredKeys].sort((a, b) => a - b));
    expect(aspireActors.every((a) => a.actor.startsWith('gateway@')), JSON.stringify(aspireActors)).toBe(true);
    const reach = (report.steps.find((s) => s.id === 'migrate')!.details as { pause: { reach: number } }).pause.reach;
    expect(reach).toBeGreaterThan(0);
    expect(aspiredKeys.some((k) => k > reach), `aspired ${aspiredKeys.join(',')}, backfill reach ${reach}`).toBe(true);
    for (const k of aspiredKeys) expect(await next(`SELECT COUNT(*) AS n FROM customers WHERE id = ${k}`)).toBe(1);
    // promotion: the migrated routes end on next
    const routes = all<{ id: string; mode: string }>(`SELECT id, mode FROM routes ORDER BY id`);
    expect(routes).toEqual([{ id: 'customer', mode: 'next' }, { id: 'invoice', mode: 'next' }, { id: 'invoices', mode: 'next' }]);
    expect(report.promoted.sort()).toEqual(['customer', 'invoice', 'invoices']);
  } finally { state.close(); }
}

describe.concurrent('siphon demo', () => {
  it('tells the whole story on embedded SQLite and exits 0 (--json report)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siphon-demo-'));
    try {
      const { stdout } = await run('node', ['bin/siphon.js', 'demo', '--dir', dir, ...SMALL, '--json'], { cwd: ROOT, maxBuffer: 16 << 20 });
      const report = JSON.parse(stdout) as Report;
      const legacy = sqliteCount(join(dir, 'legacy.sqlite'));
      const next = sqliteCount(join(dir, 'next.sqlite'));
      try { await checkEndState(report, dir, legacy.count, next.count, legacy.keys); } finally { legacy.close(); next.close(); }
      const gen = report.steps.find((s) => s.id === 'generate-legacy')!.details as { totalRows: number };
      expect(gen.totalRows).toBeGreaterThan(150);
      // capture: every write the legacy app committed is in the log, in order, per table and op
      const captured = report.steps.find((s) => s.id === 'captured')!.details as {
        captured: number; legacyWrites: number; byTableOp: Record<string, number>; legacyWritesByTableOp: Record<string, number>; inOrder: boolean; state: string;
      };
      expect(captured.legacyWrites).toBeGreaterThan(0);
      expect(captured.captured).toBe(captured.legacyWrites);
      expect(captured.byTableOp).toEqual(captured.legacyWritesByTableOp);
      expect(captured.inOrder).toBe(true);
      expect(captured.state).toBe('stopped');
      // the backfill was paused inside the customers table only: every other table was copied whole first
      const migrate = report.steps.find((s) => s.id === 'migrate')!.details as { tables: { table: string; state: string }[]; pause: { customersLeft: number } };
      expect(migrate.tables.map((t) => `${t.table} ${t.state}`)).toEqual(['CONTRAT done', 'FACTURE done', 'LIGNE_FACT done', 'REGLEMENT done', 'CLIENT copying']);
      expect(migrate.pause.customersLeft).toBeGreaterThan(0);
      // shadow: the planted rename is a real difference, the noise fields are cancelled, rollback is audited
      const shadow = report.steps.find((s) => s.id === 'gateway-shadow')!.details as {
        compared: number; withNoise: number; injectedFound: boolean; noiseCancelled: { path: string }[];
        rollback: { modes: { mode: string }[]; gatewayFollowed: boolean }; audit: { actor: string; action: string } | null;
      };
      expect(shadow.compared).toBeGreaterThan(0);
      expect(shadow.withNoise).toBe(shadow.compared);
      expect(shadow.injectedFound).toBe(true);
      expect(shadow.noiseCancelled.map((d) => d.path)).toContain('$.requestId');
      expect(shadow.rollback.modes.every((m) => m.mode === 'legacy')).toBe(true);
      expect(shadow.rollback.gatewayFollowed).toBe(true);
      expect(shadow.audit).toMatchObject({ actor: 'siphon demo', action: 'route.rollback' });
      // owner: the first reads of customers not in next were answered by next after aspire, the second ones from next
      // (a first read past the aspire budget is answered by legacy, reason=budget, its pull landing after it)
      const owner = report.steps.find((s) => s.id === 'owner')!.details as { first: { id: number; status: number; servedBy: string }[]; second: { id: number; servedBy: string }[]; aspiredIds: number[] };
      expect(owner.first.every((f) => f.status === 200)).toBe(true);
      expect(owner.aspiredIds.length).toBe(report.aspired);
      for (const id of owner.aspiredIds) {
        expect(owner.first.find((f) => f.id === id)!.servedBy).toMatch(/^(next; reason=aspired|legacy; reason=budget)$/);
        expect(owner.second.find((f) => f.id === id)!.servedBy).toBe('next; reason=in-next');
      }
      const verify = report.steps.find((s) => s.id === 'verify')!.details as { verdict: string; rowsLost: number };
      expect(verify).toMatchObject({ verdict: 'match', rowsLost: 0 });
      const promote = report.steps.find((s) => s.id === 'promote')!.details as { users: { completed: number; statuses: Record<string, number> } };
      expect(promote.users.completed).toBeGreaterThan(0);
      expect(Object.keys(promote.users.statuses).filter((s) => Number(s) >= 500)).toEqual([]);
      expect(stdout).not.toMatch(/#token=/); // the dashboard's login link is for the terminal, not for scripts
      expect(existsSync(join(dir, 'admin-tokens'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000); // a whole migration story: on a loaded machine it takes far longer than the default 60 s

  it('--keep serves the apps, the gateway and the dashboard until interrupted, then shuts down cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siphon-demo-'));
    const child = spawn('node', ['bin/siphon.js', 'demo', '--dir', dir, ...SMALL, '--traffic-seconds', '0', '--keep'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let text = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const urls = await new Promise<string[]>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /Apps running: legacy (\S+)\s+next (\S+)\s+gateway (\S+)\s+dashboard (\S+)/.exec(text);
          if (m) resolve([m[1]!, m[2]!, m[3]!, m[4]!]);
        });
        child.once('exit', (code) => reject(new Error(`demo exited (${code}) before serving:\n${text}\n${err}`)));
      });
      const [legacyUrl, nextUrl, gatewayUrl, dashboard] = urls as [string, string, string, string];
      for (const u of [legacyUrl, nextUrl]) expect((await fetch(`${u}/health`)).status).toBe(200);
      // the promoted gateway answers from next (each billing app names itself in x-billing-app)
      const r = await fetch(`${gatewayUrl}/customers/4`);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-billing-app')).toBe('next');
      // the dashboard is the admin API's: its data needs the token printed in the login link
      const token = /#token=(\S+)/.exec(dashboard)![1]!;
      const base = dashboard.replace(/#.*$/, '');
      expect((await fetch(`${base}api/snapshot`)).status).toBe(401);
      expect((await fetch(`${base}api/snapshot`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect(fetch(`${legacyUrl}/health`)).rejects.toThrow();
      await expect(fetch(`${gatewayUrl}/customers/4`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('tells the same story on MariaDB → PostgreSQL (binlog capture), and refuses a database holding other tables', async () => {
    const legacy = await freshDatabase('mysql', 'siphon_demo_l');
    const next = await freshDatabase('postgres', 'siphon_demo_n');
    const dir = mkdtempSync(join(tmpdir(), 'siphon-demo-'));
    try {
      const { stdout } = await run('node', ['bin/siphon.js', 'demo', '--dir', dir, ...SMALL, '--json', '--legacy-db', legacy.url, '--next-db', next.url], { cwd: ROOT, maxBuffer: 16 << 20 });
      const report = JSON.parse(stdout) as Report;
      const my = await mysql.createConnection(legacy.url);
      const pgc = new pg.Client({ connectionString: next.url });
      await pgc.connect();
      try {
        const legacyCount: Count = async (sql) => Number(((await my.query(sql))[0] as { n: number | string }[])[0]!.n);
        const nextCount: Count = async (sql) => Number((await pgc.query<{ n: string }>(sql)).rows[0]!.n);
        const legacyKeys: Keys = async (sql) => ((await my.query(sql))[0] as { k: unknown }[]).map((r) => String(r.k));
        await checkEndState(report, dir, legacyCount, nextCount, legacyKeys);
        const captured = report.steps.find((s) => s.id === 'captured')!.details as { captured: number; legacyWrites: number };
        expect(captured.captured).toBe(captured.legacyWrites);
        // a database with a table the demo did not create is refused before anything is dropped (exit 2)
        await my.query('CREATE TABLE payroll (id INT PRIMARY KEY)');
      } finally { await my.end(); await pgc.end(); }
      await expect(run('node', ['bin/siphon.js', 'demo', '--dir', dir, ...SMALL, '--legacy-db', legacy.url], { cwd: ROOT })).rejects.toMatchObject({ code: 2 });
      const my2 = await mysql.createConnection(legacy.url);
      try {
        const [rows] = await my2.query('SHOW TABLES');
        expect((rows as Record<string, string>[]).map((r) => Object.values(r)[0]!.toUpperCase())).toEqual(expect.arrayContaining(['CLIENT', 'PAYROLL']));
      } finally { await my2.end(); }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await legacy.drop(); await next.drop();
    }
  }, 400_000);

  it('refuses bad options with exit code 2', async () => {
    await expect(run('node', ['bin/siphon.js', 'demo', '--dirty', '3'], { cwd: ROOT })).rejects.toMatchObject({ code: 2 });
    // too few customers to pause the backfill half-way through them: refused up front, named, no stack trace
    const few = await run('node', ['bin/siphon.js', 'demo', '--customers', '10'], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect(few).toMatchObject({ code: 2 });
    expect((few as { stderr: string }).stderr).toMatch(/--customers must be a whole number between 24 and/);
    expect((few as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });
});
