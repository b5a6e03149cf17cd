import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { CLIENTS, INVOICES, createCheckFixture, dirty, type CheckFixture } from './check-fixture.js';
import type { CheckReport } from '../../src/config/inspect.js';

let fx: CheckFixture;
let config: string;

beforeAll(async () => {
  fx = await createCheckFixture();
  process.env.SIPHON_CHECK_PW = fx.password;
  config = fx.writeConfig('siphon.config.mts');
});
afterAll(async () => {
  delete process.env.SIPHON_CHECK_PW;
  await fx?.cleanup();
});

function noSecrets(text: string): void {
  expect(text).not.toContain(fx.password);
  expect(text).not.toContain(fx.pgPassword);
}

describe('siphon check against MariaDB legacy and PostgreSQL next', () => {
  it('--json reports backends, tables, keys, column types, row counts and capture readiness', async () => {
    const r = await runCli(['check', '-c', config, '--json']);
    noSecrets(r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.problems).toEqual([]);
    expect(report.configErrors).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.exitCode).toBe(0);
    expect(report.backends.map((b) => [b.role, b.kind, b.reachable])).toEqual([
      ['legacy', 'mysql', true], ['next', 'postgres', true], ['state', 'sqlite', true], ['log', 'nats', true],
    ]);
    expect(report.backends[0]!.url).toContain(`${fx.user}:***@`);
    expect(report.backends[3]!.note).toBe('JetStream enabled');
    const client = report.legacy!.tables.find((t) => t.name === 'CLIENT')!;
    expect(client.rows).toBe(CLIENTS);
    expect(client.primaryKey).toEqual(['CLI_ID']);
    expect(client.uniqueKeys).toEqual([['EMAIL']]);
    expect(client.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['CLI_ID', 'int', false], ['NOM', 'text', false], ['CODE_PAYS', 'text', true], ['STATUT', 'int', false],
      ['SOLDE', 'text', true], ['NAISS', 'date', true], ['EMAIL', 'text', true], ['VILLE', 'text', false],
    ]);
    expect(report.legacy!.tables.find((t) => t.name === 'FACTURE')!.rows).toBe(INVOICES);
    expect(report.legacy!.unmapped).toEqual(['AUDIT_LOG']);
    expect(report.legacy!.captureReady).toBe(true);
    expect(report.legacy!.capture.find((c) => c.method === 'binlog')).toMatchObject({ ready: true, problems: [] });
    const customers = report.next!.tables.find((t) => t.name === 'customers')!;
    expect(customers).toMatchObject({ rows: 0, primaryKey: ['id'], key: ['id'] });
    expect(customers.columns.find((c) => c.name === 'balance')).toMatchObject({ type: 'dec', nullable: true });
    expect(report.next!.tables.map((t) => t.name).sort()).toEqual(['customers', 'invoices']);
    expect(report.sample).toBeUndefined();
  });

  it('human output is readable and never shows a password', async () => {
    const r = await runCli(['check', '-c', config]);
    noSecrets(r.stdout + r.stderr);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Legacy tables (2 mapped; not mapped: AUDIT_LOG)');
    expect(r.stdout).toMatch(/CLIENT {2}1,200 rows {2}primary key \(CLI_ID\), unique \(EMAIL\)/);
    expect(r.stdout).toMatch(/NAISS\s+date\s+date\s+null/);
    expect(r.stdout).toContain('Capture on legacy: possible');
    expect(r.stdout).toMatch(/binlog: ready/);
    expect(r.stdout).toContain('Result: OK (exit 0)');
  });

  it('--sample 1000 reports per table the share that maps cleanly and the failures grouped by reason', async () => {
    const r = await runCli(['check', '-c', config, '--json', '--sample', '1000']);
    noSecrets(r.stdout + r.stderr);
    expect(r.code).toBe(1); // the fixture's dirty rows would not migrate: a gate fails (finding 12 of issue 11)
    const report = JSON.parse(r.stdout) as CheckReport;
    const client = report.sample!.tables.find((t) => t.table === 'CLIENT')!;
    // expected counts from the fixture's rules; cleaning stops at the first failing step, schemas report all issues
    const expected = new Map<string, number[]>();
    let clean = 0;
    const add = (reason: string, i: number) => expected.set(reason, [...(expected.get(reason) ?? []), i]);
    for (let i = 1; i <= 1000; i++) {
      if (dirty.unknownStatus(i)) { add('clean codeMap(STATUT): unknown-code 9', i); continue; }
      if (dirty.badBalance(i)) { add('clean parseDecimal(SOLDE): unparseable-decimal', i); continue; }
      if (dirty.blankName(i)) add('schema customers.name: too_small (Too small: expected string to have >=1 characters)', i);
      if (dirty.zeroBirth(i)) add('schema customers.born: invalid_type (Invalid input: expected string, received object)', i);
      if (!dirty.blankName(i) && !dirty.zeroBirth(i)) clean++;
    }
    expect(client.read).toBe(1000);
    expect(client.clean).toBe(clean);
    expect(client.share).toBeCloseTo(clean / 1000, 10);
    expect(client.produced).toEqual({ customers: clean });
    expect(Object.fromEntries(client.failures.map((f) => [f.reason, f.count]))).toEqual(Object.fromEntries([...expected].map(([k, v]) => [k, v.length])));
    for (const f of client.failures) {
      expect(f.exampleKeys).toEqual(expected.get(f.reason)!.slice(0, 3).map((i) => `CLI_ID=${i}`));
    }
    const facture = report.sample!.tables.find((t) => t.table === 'FACTURE')!;
    const orphans = Array.from({ length: INVOICES }, (_, i) => i + 1).filter(dirty.orphanInvoice);
    expect(facture.read).toBe(INVOICES);
    expect(facture.clean).toBe(INVOICES - orphans.length);
    expect(facture.failures.map((f) => [f.stage, f.reason, f.count])).toEqual([
      ['entity-key', 'entityKey (CLI_ID) is null', orphans.length],
      ['schema', 'schema invoices.customer_id: invalid_type (Invalid input: expected number, received null)', orphans.length],
    ]);
  });

  it('without repairEncoding, UTF-8 bytes in the latin1 column are invalid values the schema rejects', async () => {
    const file = fx.writeConfig('no-repair.mts', (t) => t.replace(", clean.repairEncoding('VILLE')", ''));
    const r = await runCli(['check', '-c', file, '--json', '--sample', '1000']);
    const client = (JSON.parse(r.stdout) as CheckReport).sample!.tables.find((t) => t.table === 'CLIENT')!;
    const expected = Array.from({ length: 1000 }, (_, i) => i + 1)
      .filter((i) => dirty.utf8InLatin1(i) && !dirty.unknownStatus(i) && !dirty.badBalance(i));
    const group = client.failures.find((f) => f.reason.startsWith('schema customers.city:'))!;
    expect(group.reason).toBe('schema customers.city: invalid_type (Invalid input: expected string, received object)');
    expect(group.count).toBe(expected.length);
    expect(group.exampleKeys).toEqual(expected.slice(0, 3).map((i) => `CLI_ID=${i}`));
  });

  it('--sample in human form prints the share table and the reasons with example keys', async () => {
    const r = await runCli(['check', '-c', config, '--sample', '1000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sampled rows would not migrate/);
    expect(r.stdout).toContain('Sample dry run (first 1,000 rows per table, in key order)');
    expect(r.stdout).toMatch(/CLIENT\s+1,000\s+\d{3}\s+\d+\.\d%\s+customers \d+/);
    expect(r.stdout).toMatch(/100\s+clean codeMap\(STATUT\): unknown-code 9\s+CLI_ID=3; CLI_ID=13; CLI_ID=23/);
    // keys only: no other column value of a failing row is shown
    expect(r.stdout).not.toContain('Client 3 ');
    expect(r.stdout).not.toContain('@example.test');
  });

  it('a config whose legacy.db is a number exits 2 and names legacy.db', async () => {
    const file = fx.writeConfig('bad-db.mts', (t) => t.replace(/db: 'mysql:[^']*'/, 'db: 42 as unknown as string'));
    const r = await runCli(['check', '-c', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('legacy.db: expected a connection URL string (sqlite:PATH, postgres://…, mysql://…), found number 42');
    const j = await runCli(['check', '-c', file, '--json']);
    expect(j.code).toBe(2);
    expect((JSON.parse(j.stdout) as CheckReport).configErrors.map((e) => e.path)).toEqual(['legacy.db']);
  });

  it('a misspelt key column exits 2 and names tables.CLIENT.key with the columns that exist', async () => {
    const file = fx.writeConfig('bad-key.mts', (t) => t.replace("key: ['CLI_ID']", "key: ['CLI_IDD']"));
    const r = await runCli(['check', '-c', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('tables.CLIENT.entityKey');
    expect(r.stdout).toContain('tables.CLIENT.key: column "CLI_IDD" does not exist in legacy table CLIENT; columns are CLI_ID, NOM, CODE_PAYS, STATUT, SOLDE, NAISS, EMAIL, VILLE (did you mean "CLI_ID"?)');
    expect(r.stdout).toContain('Result: the config does not match the databases (exit 2)');
  });

  it('other mismatches with the databases are config errors too', async () => {
    const file = fx.writeConfig('bad-next.mts', (t) => t
      .replace("schemas: { invoices: z.object({ id: z.number(),", "schemas: { invoice: z.object({ id: z.number(),")
      .replace("to: (row) => ({ invoices:", "to: (row) => ({ invoice:")
      .replace("born: z.string().nullable(),", "born: z.string().nullable(), birth: z.string(),")
      .replace("entityKey: 'CLI_ID'", "entityKey: 'CLIENT_ID'"));
    const r = await runCli(['check', '-c', file, '--json']);
    expect(r.code).toBe(2);
    const messages = (JSON.parse(r.stdout) as CheckReport).configErrors.map((e) => e.message);
    expect(messages).toEqual(expect.arrayContaining([
      'tables.FACTURE.entityKey: column "CLIENT_ID" does not exist in legacy table FACTURE; columns are FAC_ID, CLI_ID, MONTANT, EMIS_LE (did you mean "CLI_ID"?)',
      'tables.FACTURE.schemas.invoice: table "invoice" does not exist in next; tables are customers, invoices (did you mean "invoices"?); siphon schema plan proposes its DDL',
      'tables.CLIENT.schemas.customers.birth: column "birth" does not exist in next table customers; columns are id, name, country, status, balance, born, city',
    ]));
  });

  it('an unreachable backend exits 1 and says which', async () => {
    const file = fx.writeConfig('down.mts', (t) => t.replace(/next: \{ db: '[^']*' \}/, "next: { db: 'postgres://postgres:Sekr1t@127.0.0.1:1/none' }"));
    const r = await runCli(['check', '-c', file, '--json']);
    expect(r.stdout).not.toContain('Sekr1t');
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(r.code).toBe(1);
    expect(report.backends.find((b) => b.role === 'next')).toMatchObject({ reachable: false, url: 'postgres://postgres:***@127.0.0.1:1/none' });
    expect(report.problems[0]).toMatch(/^next postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/none is not usable: /);
  });

  it('capture impossible on legacy exits 1 and says how to fix it', async () => {
    const file = fx.writeConfig('ro.mts', (t) => t.replace(`mysql://${fx.user}:`, `mysql://${fx.readOnlyUser}:`));
    const r = await runCli(['check', '-c', file, '--json']);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(r.code).toBe(1);
    expect(report.legacy!.captureReady).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/^binlog capture \(the default method\) is not ready on legacy: .*lacks REPLICATION SLAVE.*No capture method is ready: trigger: .*lacks the TRIGGER privilege/);
  });

  it('a key that is neither primary nor unique is a warning, not an error', async () => {
    const file = fx.writeConfig('nonunique.mts', (t) => t.replace("key: ['FAC_ID']", "key: ['CLI_ID', 'EMIS_LE']"));
    const r = await runCli(['check', '-c', file, '--json']);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(r.code).toBe(0);
    expect(report.warnings.map((w) => w.message)).toEqual([
      'tables.FACTURE.key: (CLI_ID, EMIS_LE) is neither the primary key nor a unique key of legacy table FACTURE (primary key: (FAC_ID)); rows with equal keys would overwrite each other',
    ]);
  });

  it('bad usage exits 2', async () => {
    expect((await runCli(['check', '-c', config, '--sample', 'lots'])).code).toBe(2);
    const missing = await runCli(['check', '-c', `${fx.dir}/nope.ts`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('file not found');
  });
});
