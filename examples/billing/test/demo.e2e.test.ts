import { describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { DemoReport } from '../../../src/demo/types.js';
import { openDatabase } from '../../../src/backends/open.js';
import { toPlain } from '../../../src/values/index.js';
import { freshDatabase } from '../../../test/support/engines.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const SMALL = ['--customers', '150', '--traffic-seconds', '1', '--rate', '30'];

describe.concurrent('siphon demo', () => {
  it('runs every step on embedded SQLite and exits 0 (--json report)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siphon-demo-'));
    try {
      const { stdout } = await run('node', ['bin/siphon.js', 'demo', '--dir', dir, ...SMALL, '--json'], { cwd: ROOT, maxBuffer: 16 << 20 });
      const report = JSON.parse(stdout) as DemoReport;
      expect(report.ok).toBe(true);
      expect(report.steps.map((s) => s.id)).toEqual(['prepare', 'generate-legacy', 'next-schema', 'dashboard', 'start-apps', 'migrate', 'gateway-shadow', 'traffic', 'samples', 'captured', 'migrated', 'verify', 'scoreboard']);
      expect(report.steps.every((s) => s.ok)).toBe(true);
      const gen = report.steps.find((s) => s.id === 'generate-legacy')!.details as { totalRows: number };
      expect(gen.totalRows).toBeGreaterThan(150);
      const traffic = report.steps.find((s) => s.id === 'traffic')!.details as { legacy: { completed: number; statuses: Record<string, number> }; next: { completed: number } };
      expect(traffic.legacy.completed).toBeGreaterThan(0);
      expect(traffic.next.completed).toBeGreaterThan(0);
      expect(traffic.legacy.statuses['500']).toBeUndefined();
      // capture: every write the legacy app committed (gateway and traffic steps) is in the log, in order, per table and op
      const captured = report.steps.find((s) => s.id === 'captured')!.details as {
        captured: number; legacyWrites: number; byTableOp: Record<string, number>; legacyWritesByTableOp: Record<string, number>;
        inOrder: boolean; state: string; examples: { table: string; op: string; key: string; changed: string[] }[];
      };
      expect(captured.legacyWrites).toBeGreaterThan(0);
      expect(captured.captured).toBe(captured.legacyWrites);
      expect(captured.byTableOp).toEqual(captured.legacyWritesByTableOp);
      expect(captured.byTableOp['REGLEMENT insert'] ?? 0).toBeGreaterThanOrEqual(captured.byTableOp['FACTURE update'] ?? 0); // an invoice turns paid only with a payment
      expect(captured.inOrder).toBe(true);
      expect(captured.state).toBe('stopped');
      expect(captured.examples.length).toBeGreaterThan(0);
      for (const x of captured.examples) expect(x.changed.length, `${x.table} ${x.op} ${x.key}`).toBeGreaterThan(0);
      // gateway shadow: the injected rename is a real difference, the noise fields are cancelled, rollback is audited
      const shadow = report.steps.find((s) => s.id === 'gateway-shadow')!.details as {
        compared: number; compatible: number; withNoise: number; injectedFound: boolean;
        realDifferences: { endpoint: string; path: string; differing: number }[]; noiseCancelled: { path: string }[];
        rollback: { modes: { mode: string }[]; gatewayFollowed: boolean }; audit: { actor: string; action: string; reason: string } | null;
      };
      expect(shadow.compared).toBeGreaterThan(0);
      expect(shadow.withNoise).toBe(shadow.compared);
      expect(shadow.compatible).toBeLessThan(shadow.compared);
      const real = shadow.realDifferences.map((d) => `${d.endpoint} ${d.path}`);
      expect(real).toEqual(expect.arrayContaining(['GET /customers/:id $.customer.address.postalCode', 'GET /customers/:id $.customer.address.zipCode']));
      expect(shadow.injectedFound).toBe(true);
      expect(shadow.realDifferences.filter((d) => d.path === '$.requestId' || d.path === '$.generatedAt')).toEqual([]);
      expect(shadow.noiseCancelled.map((d) => d.path)).toContain('$.requestId');
      expect(shadow.rollback.modes.length).toBe(3);
      expect(shadow.rollback.modes.every((m) => m.mode === 'legacy')).toBe(true);
      expect(shadow.rollback.gatewayFollowed).toBe(true);
      expect(shadow.audit).toMatchObject({ actor: 'siphon demo', action: 'route.rollback' }); // the last entry: the rollback (route actions are route.* since 1c03193)
      // the real migration: every legacy row copied through chunks, and the closing check holds for every table
      const migrate = report.steps.find((s) => s.id === 'migrate')!.details as { tables: { table: string; state: string; rowsCopied: number }[]; chunkRowsApplied: number };
      expect(migrate.tables.map((t) => t.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
      expect(migrate.tables.reduce((a, t) => a + t.rowsCopied, 0)).toBeGreaterThanOrEqual(gen.totalRows); // plus rows the traffic inserted before their chunk
      const migrated = report.steps.find((s) => s.id === 'migrated')!.details as { tables: { table: string; legacyRows: number; migrated: number; quarantined: number; check: { ok: boolean } }[] };
      expect(migrated.tables.map((t) => t.table)).toEqual(['CLIENT', 'CONTRAT', 'FACTURE', 'LIGNE_FACT', 'REGLEMENT']);
      for (const t of migrated.tables) {
        expect(t.check.ok, t.table).toBe(true);
        expect(t.legacyRows, t.table).toBe(t.migrated + t.quarantined);
      }
      expect(migrated.tables.reduce((a, t) => a + t.quarantined, 0)).toBeGreaterThan(0); // the planted bad rows
      const samples = report.steps.find((s) => s.id === 'samples')!.details as { samples: { legacyStatus: number; nextStatus: number }[] };
      expect(samples.samples.length).toBeGreaterThan(0);
      expect(samples.samples.every((s) => s.legacyStatus === 200 && s.nextStatus === 200)).toBe(true);
      expect(stdout).not.toMatch(/#token=/); // the dashboard's login link is for the terminal, not for scripts
      // verify and the scoreboard: zero failed user requests, zero rows lost, the dirty rows counted, not hidden
      const verify = report.steps.find((s) => s.id === 'verify')!.details as { verdict: string; rowsLost: number; tables: { table: string; legacyCount: number; matched: number; quarantined: number; missing: number }[] };
      expect(verify.verdict).toBe('match');
      expect(verify.tables.length).toBe(5);
      const scoreboard = (report as DemoReport & { scoreboard: { failedUserRequests: number; rowsLost: number; quarantined: number } }).scoreboard;
      expect(scoreboard.failedUserRequests).toBe(0);
      expect(scoreboard.rowsLost).toBe(0);
      expect(scoreboard.quarantined).toBeGreaterThan(0);
      // the end state judged by plain SQL on the files: every legacy row is in next, or in quarantine with its reason
      const legacy = new Database(join(dir, 'legacy.sqlite'), { readonly: true });
      const next = new Database(join(dir, 'next.sqlite'), { readonly: true });
      const state = new Database(join(dir, 'state.sqlite'), { readonly: true });
      try {
        const count = (db: Database.Database, sql: string, ...args: string[]) => (db.prepare(sql).get(...args) as { n: number }).n;
        const quarantinedKeys = (t: string) => count(state, `SELECT COUNT(DISTINCT key) AS n FROM quarantine WHERE source_table = ? AND state = 'open'`, t);
        for (const t of verify.tables) {
          const legacyRows = count(legacy, `SELECT COUNT(*) AS n FROM ${t.table}`);
          expect(legacyRows, t.table).toBe(t.legacyCount);
          expect(t.matched + quarantinedKeys(t.table), t.table).toBe(legacyRows);
          expect(t.missing, t.table).toBe(0);
        }
        expect(count(next, 'SELECT COUNT(*) AS n FROM customers') + quarantinedKeys('CLIENT')).toBe(count(legacy, 'SELECT COUNT(*) AS n FROM CLIENT'));
      } finally { legacy.close(); next.close(); state.close(); }
      expect(existsSync(join(dir, 'legacy.sqlite'))).toBe(true);
      expect(existsSync(join(dir, 'next.sqlite'))).toBe(true);
      expect(existsSync(join(dir, 'log.sqlite'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000); // the demo now migrates for real: on a loaded machine it takes longer than the default 60 s

  it('--keep serves both apps until interrupted, then shuts down cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siphon-demo-'));
    const child = spawn('node', ['bin/siphon.js', 'demo', '--dir', dir, ...SMALL, '--traffic-seconds', '0', '--keep'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let text = '';
      const urls = await new Promise<string[]>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /Apps running: legacy (\S+)\s+next (\S+)/.exec(text);
          if (m) resolve([m[1]!, m[2]!]);
        });
        child.once('exit', (code) => reject(new Error(`demo exited (${code}) before serving:\n${text}`)));
      });
      for (const u of urls) expect((await fetch(`${u}/health`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect(fetch(`${urls[0]}/health`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('tells the same story on MariaDB → PostgreSQL (binlog capture), and refuses a database holding other tables', async () => {
    const legacy = await freshDatabase('mysql', 'siphon_demo_l');
    const next = await freshDatabase('postgres', 'siphon_demo_n');
    const dir = mkdtempSync(join(tmpdir(), 'siphon-demo-'));
    try {
      const { stdout } = await run('node', ['bin/siphon.js', 'demo', '--dir', dir, ...SMALL, '--json', '--legacy-db', legacy.url, '--next-db', next.url], { cwd: ROOT, maxBuffer: 16 << 20 });
      const report = JSON.parse(stdout) as DemoReport & { scoreboard: { failedUserRequests: number; rowsLost: number; quarantined: number } };
      expect(report.ok, JSON.stringify(report.steps.filter((s) => !s.ok))).toBe(true);
      expect(report.scoreboard).toMatchObject({ failedUserRequests: 0, rowsLost: 0 });
      expect(report.scoreboard.quarantined).toBeGreaterThan(0);
      const captured = report.steps.find((s) => s.id === 'captured')!.details as { captured: number; legacyWrites: number };
      expect(captured.captured).toBe(captured.legacyWrites);
      // plain SQL: every legacy client is a next customer or quarantined
      const l = await openDatabase(legacy.url);
      const n = await openDatabase(next.url);
      const s = new Database(join(dir, 'state.sqlite'), { readonly: true });
      try {
        const one = async (db: Awaited<ReturnType<typeof openDatabase>>, sql: string) => Number(toPlain((await db.query(sql))[0]!['n'] ?? null));
        const quarantined = (s.prepare(`SELECT COUNT(DISTINCT key) AS n FROM quarantine WHERE source_table = 'CLIENT' AND state = 'open'`).get() as { n: number }).n;
        expect(await one(n, 'SELECT COUNT(*) AS n FROM customers') + quarantined).toBe(await one(l, 'SELECT COUNT(*) AS n FROM CLIENT'));
        // a database with a table the demo did not create is refused before anything is dropped (exit 2)
        await l.execute('CREATE TABLE payroll (id INT PRIMARY KEY)');
      } finally { await l.close(); await n.close(); s.close(); }
      await expect(run('node', ['bin/siphon.js', 'demo', '--dir', dir, ...SMALL, '--legacy-db', legacy.url], { cwd: ROOT })).rejects.toMatchObject({ code: 2 });
      const l2 = await openDatabase(legacy.url);
      try { expect((await l2.listTables()).map((t) => t.toUpperCase())).toEqual(expect.arrayContaining(['CLIENT', 'PAYROLL'])); } finally { await l2.close(); }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await legacy.drop(); await next.drop();
    }
  }, 240_000);

  it('refuses bad options with exit code 2', async () => {
    await expect(run('node', ['bin/siphon.js', 'demo', '--dirty', '3'], { cwd: ROOT })).rejects.toMatchObject({ code: 2 });
  });
});
