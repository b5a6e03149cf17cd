import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { startLegacyApp } from '../../examples/billing/legacy-app/start-legacy-app.js';
import { CUSTOMER_STATUS, INVOICE_STATUS } from '../../examples/billing/legacy-app/translate.js';
import { nextDdl } from '../../examples/billing/next/schema.js';
import { runTraffic } from '../../examples/billing/traffic/run-traffic.js';

/**
 * `siphon migrate` killed with SIGKILL at random moments (during startup, backfill, catch-up, idle following), at least
 * 20 times, while the billing traffic generator writes to legacy through the legacy app. After every few kills a
 * resume runs to the end (`--until-done`, traffic paused) and next is compared with legacy row for row by plain SQL
 * (legacy and the state store attached to next); after the last kill, the same. Next's own triggers record every
 * write's image: no row may go back to an older image (a change or chunk row applied twice with effect).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KILLS = 22, CHECK_EVERY = 6, CUSTOMERS = 80;
const dir = mkdtempSync(join(tmpdir(), 'siphon-migrate-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const caseOf = (col: string, m: Readonly<Record<string, string>>) => `CASE ${col} ${Object.entries(m).map(([k, v]) => `WHEN ${Number(k)} THEN '${v}'`).join(' ')} END`;
/** Date-times in either text form (`T` or blank), to the second; legacy's zero dates are cleaned to NULL. */
const ts = (col: string) => `CASE WHEN ${col} LIKE '0000-00-00%' THEN NULL ELSE substr(replace(${col}, 'T', ' '), 1, 19) END`;

/** Audit of every write next receives, by next's own triggers (in apply's transaction: a rolled-back batch leaves none). */
const AUDIT = [
  'CREATE TABLE audit_writes (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, k TEXT NOT NULL, img TEXT NOT NULL)',
  'CREATE INDEX audit_writes_k ON audit_writes (tbl, k, id)',
  ...[['customers', 'id', 'json_array(NEW.address_line1, NEW.postal_code, NEW.city, NEW.updated_at, NEW.status)'],
    ['invoices', 'number', 'json_array(NEW.status, NEW.amount_excl_tax)'],
    ['payments', 'reference', 'json_array(NEW.amount, NEW.invoice_number, NEW.method)']].flatMap(([t, k, img]) => ['INSERT', 'UPDATE'].map((op) =>
    `CREATE TRIGGER audit_${t}_${op} AFTER ${op} ON ${t} BEGIN INSERT INTO audit_writes (tbl, k, img) VALUES ('${t}', NEW.${k}, ${img}); END`)),
];

/** Differences between next and to(legacy), as rows of text: empty when next is right. Plain SQL only. */
function compare(nextPath: string, legacyPath: string, statePath: string): string[] {
  const db = new Sqlite(nextPath, { readonly: true });
  try {
    db.prepare(`ATTACH DATABASE ? AS l`).run(legacyPath);
    db.prepare(`ATTACH DATABASE ? AS q`).run(statePath);
    const q = (table: string, keyExpr: string) => `${keyExpr} NOT IN (SELECT key FROM q.quarantine WHERE source_table = '${table}' AND state = 'open')`;
    const expected = {
      customers: `SELECT CLI_ID AS k, TRIM(CLI_CP) AS cp, ${ts('CLI_DT_MAJ')} AS upd, ${caseOf('CLI_STATUT', CUSTOMER_STATUS)} AS st FROM l.CLIENT WHERE ${q('CLIENT', "'int:' || CLI_ID")}`,
      actualCustomers: `SELECT id AS k, postal_code AS cp, ${ts('updated_at')} AS upd, status AS st FROM customers`,
      invoices: `SELECT FAC_NUM AS k, ${caseOf('FAC_STATUT', INVOICE_STATUS)} AS st, CAST(FAC_MT_HT AS REAL) AS ht FROM l.FACTURE WHERE ${q('FACTURE', "'int:' || FAC_NUM")}`,
      actualInvoices: `SELECT number AS k, status AS st, CAST(amount_excl_tax AS REAL) AS ht FROM invoices`,
      payments: `SELECT REG_REF AS k, FAC_NUM AS inv, CAST(REG_MT AS REAL) AS amt FROM l.REGLEMENT WHERE ${q('REGLEMENT', "'\"' || REG_REF || '\"'")}`,
      actualPayments: `SELECT reference AS k, invoice_number AS inv, CAST(amount AS REAL) AS amt FROM payments`,
      contracts: `SELECT CTR_NUM AS k FROM l.CONTRAT WHERE ${q('CONTRAT', "'\"' || CTR_NUM || '\"'")}`,
      actualContracts: 'SELECT number AS k FROM contracts',
      lines: `SELECT FAC_NUM AS k, LIG_NO AS n FROM l.LIGNE_FACT WHERE ${q('LIGNE_FACT', "'int:' || FAC_NUM || '|int:' || LIG_NO")}`,
      actualLines: 'SELECT invoice_number AS k, line_number AS n FROM invoice_lines',
    };
    const out: string[] = [];
    for (const [name, e, a] of [['customers', expected.customers, expected.actualCustomers], ['invoices', expected.invoices, expected.actualInvoices],
      ['payments', expected.payments, expected.actualPayments], ['contracts', expected.contracts, expected.actualContracts], ['invoice_lines', expected.lines, expected.actualLines]] as const) {
      for (const r of db.prepare(`SELECT 'missing or different in next' AS what, * FROM (${e} EXCEPT ${a}) UNION ALL SELECT 'extra or different in next', * FROM (${a} EXCEPT ${e}) LIMIT 5`).all()) {
        out.push(`${name}: ${JSON.stringify(r)}`);
      }
    }
    const audited = (db.prepare('SELECT COUNT(*) AS n FROM audit_writes').get() as { n: number }).n;
    if (audited === 0) out.push('the audit triggers saw no write: the check below would prove nothing');
    // a row that went back to an image it had left: an older change (or chunk row) applied again after a newer one
    for (const r of db.prepare(`SELECT a.tbl, a.k, a.img AS older, b.img AS newer FROM audit_writes a
        JOIN audit_writes b ON b.tbl = a.tbl AND b.k = a.k AND b.id > a.id AND b.img <> a.img
        JOIN audit_writes c ON c.tbl = a.tbl AND c.k = a.k AND c.id > b.id AND c.img = a.img LIMIT 5`).all()) {
      out.push(`went back to an older image: ${JSON.stringify(r)}`);
    }
    return out;
  } finally { db.close(); }
}

describe('siphon migrate under SIGKILL', () => {
  it(`converges to next == to(legacy) after ${KILLS} kills at random moments under billing traffic, no row written twice with effect`, async () => {
    const legacyPath = join(dir, 'legacy.sqlite'), nextPath = join(dir, 'next.sqlite'), statePath = join(dir, 'state.sqlite');
    await generateLegacy({ legacy: `sqlite:${legacyPath}`, customers: CUSTOMERS, seed: 11, dirty: 0.05, reset: true, progress: false });
    const next: Database = await openDatabase(`sqlite:${nextPath}`);
    for (const s of [...nextDdl('sqlite', { reset: true }), ...AUDIT]) await next.execute(s);
    await next.close();
    const config = join(dir, 'siphon.config.ts');
    writeFileSync(config, `import { defineMigration } from '${ROOT}src/config/define.js';
import { billingEntities, billingTables } from '${ROOT}examples/billing/mapping/tables.js';
export default defineMigration({
  name: 'crash', legacy: { db: 'sqlite:${legacyPath}', timezone: 'Europe/Paris' }, next: { db: 'sqlite:${nextPath}' },
  state: 'sqlite:${statePath}', log: 'sqlite:${join(dir, 'log.sqlite')}', entities: billingEntities, tables: billingTables(),
});
`);
    const legacy = await openDatabase(`sqlite:${legacyPath}`);
    const app = await startLegacyApp({ db: legacy });
    let trafficOn = false, writes = 0, traffic: Promise<void> = Promise.resolve();
    const startTraffic = (tag: string) => {
      trafficOn = true;
      traffic = (async () => {
        for (let round = 0; trafficOn; round++) {
          writes += (await runTraffic({ target: app.url, rate: 60, durationS: 1, users: 20, seed: `crash:${tag}:${round}`, customers: CUSTOMERS })).writes;
        }
      })();
    };
    const stopTraffic = async () => { trafficOn = false; await traffic; };
    startTraffic('0');
    const migrate = (extra: string[]): ChildProcess => spawn('node', ['bin/siphon.js', 'migrate', '-c', config, '--json', '--chunk-size', '150', ...extra],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIPHON_LOG_LEVEL: 'warn' } });
    const untilDone = async (): Promise<void> => {
      const child = migrate(['--until-done']);
      let out = '', err = '';
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code, `resume --until-done failed:\n${err}\n${out.slice(-2000)}`).toBe(0);
      expect(out).toMatch(/"stoppedBy":"done"/);
    };
    let kills = 0, checks = 0;
    try {
      for (let i = 1; i <= KILLS; i++) {
        const child = migrate([]);
        let err = '';
        child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
        const exited = new Promise<number | null>((r) => child.once('exit', r));
        // random moment: during start, backfill, catch-up or following
        const early = await Promise.race([sleep(200 + Math.random() * 3500).then(() => false), exited.then(() => true)]);
        expect(early, `migrate exited by itself before the kill:\n${err}`).toBe(false);
        child.kill('SIGKILL');
        await exited;
        kills++;
        if (i % CHECK_EVERY === 0 || i === KILLS) {
          await stopTraffic();
          await untilDone();
          const diff = compare(nextPath, legacyPath, statePath);
          expect(diff, `after kill ${i}`).toEqual([]);
          checks++;
          if (i < KILLS) startTraffic(String(i));
        }
      }
    } finally {
      await stopTraffic().catch(() => undefined);
      await app.close();
      await legacy.close();
    }
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(checks).toBeGreaterThanOrEqual(4);
    expect(writes).toBeGreaterThan(20);
  }, 600_000);

  it('SIGTERM stops at a checkpoint (exit 0, a last "stopped" line); the next start resumes and finishes', async () => {
    const d = mkdtempSync(join(dir, 'term-'));
    await generateLegacy({ legacy: `sqlite:${join(d, 'legacy.sqlite')}`, customers: 40, seed: 5, dirty: 0.05, reset: true, progress: false });
    const next = await openDatabase(`sqlite:${join(d, 'next.sqlite')}`);
    for (const s of [...nextDdl('sqlite', { reset: true }), ...AUDIT]) await next.execute(s);
    await next.close();
    const config = join(d, 'siphon.config.ts');
    writeFileSync(config, `import { defineMigration } from '${ROOT}src/config/define.js';
import { billingEntities, billingTables } from '${ROOT}examples/billing/mapping/tables.js';
export default defineMigration({
  name: 'term', legacy: { db: 'sqlite:${join(d, 'legacy.sqlite')}', timezone: 'Europe/Paris' }, next: { db: 'sqlite:${join(d, 'next.sqlite')}' },
  state: 'sqlite:${join(d, 'state.sqlite')}', log: 'sqlite:${join(d, 'log.sqlite')}', entities: billingEntities, tables: billingTables(),
});
`);
    const run = (extra: string[]) => {
      const child = spawn('node', ['bin/siphon.js', 'migrate', '-c', config, '--json', '--chunk-size', '100', '--progress-every', '100', ...extra],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIPHON_LOG_LEVEL: 'warn' } });
      let out = '', err = '';
      child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
      child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
      const exit = new Promise<number | null>((r) => child.once('exit', r));
      return { child, exit, out: () => out, err: () => err };
    };
    const first = run([]);
    // stop it once it has applied some chunk rows (mid-backfill or after)
    for (let i = 0; i < 600 && !/"chunkRowsApplied":[1-9]/.test(first.out()); i++) await sleep(50);
    expect(first.out(), first.err()).toMatch(/"chunkRowsApplied":[1-9]/);
    first.child.kill('SIGTERM');
    expect(await first.exit, first.err()).toBe(0);
    const last = JSON.parse(first.out().trim().split('\n').at(-1)!) as { event: string; stoppedBy: string };
    expect(last).toMatchObject({ event: 'stopped', stoppedBy: 'signal' });
    const second = run(['--until-done']);
    expect(await second.exit, second.err()).toBe(0);
    expect(second.out()).toMatch(/"stoppedBy":"done"/);
    expect(compare(join(d, 'next.sqlite'), join(d, 'legacy.sqlite'), join(d, 'state.sqlite'))).toEqual([]);
  }, 180_000);
});
