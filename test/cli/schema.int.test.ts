import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../src/backends/open.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { runCli } from './run-cli.js';

// Issue 11 finding 13: `siphon schema plan` writes the next DDL the mappings imply (PostgreSQL and SQLite), never
// applies it; `schema apply` applies it after showing it; `check` names each mismatch between next and the mappings.
// End states judged by plain SQL on next.
let legacy: FreshDatabase, nextPg: FreshDatabase, nextLite: FreshDatabase, dir: string;

const config = (nextUrl: string, legacyUrl: string) => `import { defineMigration, z, clean } from 'siphon';
export default defineMigration({
  name: 'schema-plan',
  legacy: { db: '${legacyUrl}' },
  next: { db: '${nextUrl}' },
  state: 'sqlite:state/state.sqlite',
  log: 'sqlite:state/log.sqlite',
  tables: {
    CLIENT: {
      key: 'CLI_ID',
      clean: [clean.trim('NOM'), clean.codeMap('STATUT', { 1: 'active', 2: 'closed' })],
      to: (r) => ({ customers: [{ id: r.CLI_ID, name: r.NOM, country: r.PAYS, status: r.STATUT, balance: r.SOLDE, flags: r.FLAGS, born: r.NAISS, notes: r.NOTES }] }),
      schemas: { customers: z.object({ id: z.number().int(), name: z.string().min(1), country: z.string().nullable(), status: z.enum(['active', 'closed']),
        balance: z.string(), flags: z.number().int(), born: z.string().nullable(), notes: z.unknown() }) },
    },
  },
});
`;

beforeAll(async () => {
  legacy = await freshDatabase('mysql'); nextPg = await freshDatabase('postgres'); nextLite = await freshDatabase('sqlite');
  dir = mkdtempSync(join(tmpdir(), 'siphon-schema-'));
  const db = await openDatabase(legacy.url);
  await db.execute(`CREATE TABLE CLIENT (CLI_ID INT UNSIGNED NOT NULL PRIMARY KEY, NOM VARCHAR(80) NOT NULL, PAYS CHAR(2) NULL,
    STATUT TINYINT NOT NULL, SOLDE DECIMAL(12,2) NOT NULL, FLAGS BIT(5) NOT NULL, NAISS DATE NULL, NOTES JSON NULL)`);
  await db.execute(`INSERT INTO CLIENT VALUES (1, ' Ana ', 'FR', 1, 12.50, b'00101', '1980-01-02', '{"a":1}'), (2, 'Bo', NULL, 2, -3.00, b'11111', NULL, NULL)`);
  await db.close();
});
afterAll(async () => { await legacy?.drop(); await nextPg?.drop(); await nextLite?.drop(); if (dir) rmSync(dir, { recursive: true, force: true }); });

function writeConfig(name: string, nextUrl: string): string {
  const file = join(dir, name);
  writeFileSync(file, config(nextUrl, legacy.url));
  return file;
}

async function pgColumns(): Promise<string[]> {
  const c = new pg.Client({ connectionString: nextPg.url });
  await c.connect();
  try {
    const r = await c.query(`SELECT column_name || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END AS d
      FROM information_schema.columns ic JOIN pg_attribute a ON a.attrelid = 'customers'::regclass AND a.attname = ic.column_name
      WHERE table_name = 'customers' ORDER BY ordinal_position`);
    return r.rows.map((x: { d: string }) => x.d);
  } finally { await c.end(); }
}

describe('siphon schema plan / apply (PostgreSQL next)', () => {
  it('plan prints the DDL the mappings imply, typed by the legacy columns copied, and applies nothing', async () => {
    const file = writeConfig('pg.config.mts', nextPg.url);
    const r = await runCli(['schema', 'plan', '-c', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CREATE TABLE "customers" (');
    expect(r.stdout).toMatch(/"id" bigint NOT NULL,\s+-- legacy CLIENT\.CLI_ID int\(10\) unsigned/);
    expect(r.stdout).toMatch(/"balance" numeric\(12,2\) NOT NULL,\s+-- legacy CLIENT\.SOLDE decimal\(12,2\)/);
    expect(r.stdout).toMatch(/"country" char\(2\),\s+-- legacy CLIENT\.PAYS char\(2\)/);
    expect(r.stdout).toMatch(/"flags" smallint NOT NULL,\s+-- legacy CLIENT\.FLAGS bit\(5\)/);
    expect(r.stdout).toMatch(/"status" text NOT NULL,\s+-- zod enum/);
    expect(r.stdout).toMatch(/"born" date,/);
    expect(r.stdout).toMatch(/"notes" jsonb,/);
    expect(r.stdout).toContain('PRIMARY KEY ("id")');
    const c = new pg.Client({ connectionString: nextPg.url });
    await c.connect();
    try { expect((await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n).toBe(0); } finally { await c.end(); }
  });

  it('check names the missing table and points at schema plan', async () => {
    const r = await runCli(['check', '-c', join(dir, 'pg.config.mts')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('table "customers" does not exist in next; tables are (none); siphon schema plan proposes its DDL');
  });

  it('apply refuses without a terminal or --yes, then applies with --yes; the rows then write unchanged', async () => {
    const file = join(dir, 'pg.config.mts');
    const refused = await runCli(['schema', 'apply', '-c', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/re-run with --yes/);
    const r = await runCli(['schema', 'apply', '-c', file, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/applied 1 statement to next/);
    expect(await pgColumns()).toEqual([
      'id bigint not null', 'name character varying(80) not null', 'country character(2)', 'status text not null',
      'balance numeric(12,2) not null', 'flags smallint not null', 'born date', 'notes jsonb',
    ]);
    const check = await runCli(['check', '-c', file, '--sample', '10', '--json']);
    const report = JSON.parse(check.stdout) as { schema: { mismatches: unknown[] }; sample: { tables: { read: number; clean: number }[] } };
    expect(report.schema.mismatches).toEqual([]);
    expect(report.sample.tables[0]).toMatchObject({ read: 2, clean: 2 });
    const again = await runCli(['schema', 'plan', '-c', file]);
    expect(again.stdout).toContain('-- customers exists and matches the mappings');
    expect(again.stdout).toContain('-- nothing to apply');
  });

  it('check names each mismatch between next and the mappings', async () => {
    const c = new pg.Client({ connectionString: nextPg.url });
    await c.connect();
    try {
      await c.query(`ALTER TABLE customers ALTER COLUMN name TYPE varchar(10), ALTER COLUMN balance TYPE numeric(6,1), ALTER COLUMN born SET NOT NULL, DROP COLUMN notes, ADD COLUMN extra text NOT NULL DEFAULT ''`);
    } finally { await c.end(); }
    const r = await runCli(['check', '-c', join(dir, 'pg.config.mts')]);
    expect(r.stdout).toContain('Next schema versus the mappings: 5 mismatches');
    expect(r.stdout).toContain('customers.name: next has character varying(10), shorter than the values the mappings produce (planned varchar(80))');
    expect(r.stdout).toContain('customers.balance: next has numeric(6,1), which cannot hold every decimal the mappings produce (planned numeric(12,2))');
    expect(r.stdout).toContain('customers.born: next\'s column is NOT NULL, the mappings produce NULLs (planned date NULL)');
    expect(r.stdout).toContain('customers.notes: missing in next (planned jsonb)');
    expect(r.stdout).toContain('customers.extra: NOT NULL in next, and no mapping produces it (every insert fails unless it has a default)');
  });
});

describe('siphon schema plan / apply (SQLite next)', () => {
  it('plan for SQLite keeps decimals exact (TEXT affinity) and apply creates the table', async () => {
    const file = writeConfig('lite.config.mts', `sqlite:${nextLite.name}`);
    const plan = await runCli(['schema', 'plan', '-c', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/"balance" TEXT DECIMAL\(12,2\) NOT NULL/);
    const r = await runCli(['schema', 'apply', '-c', file, '--yes']);
    expect(r.code).toBe(0);
    const db = new BetterSqlite3(nextLite.name, { readonly: true });
    try {
      const cols = db.prepare(`SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info('customers') ORDER BY cid`).all();
      expect(cols).toEqual([
        { name: 'id', type: 'INTEGER', nn: 1, pk: 1 }, { name: 'name', type: 'TEXT', nn: 1, pk: 0 }, { name: 'country', type: 'TEXT', nn: 0, pk: 0 },
        { name: 'status', type: 'TEXT', nn: 1, pk: 0 }, { name: 'balance', type: 'TEXT DECIMAL(12,2)', nn: 1, pk: 0 },
        { name: 'flags', type: 'INTEGER', nn: 1, pk: 0 }, { name: 'born', type: 'DATE', nn: 0, pk: 0 }, { name: 'notes', type: 'JSON', nn: 0, pk: 0 },
      ]);
    } finally { db.close(); }
  });
});
