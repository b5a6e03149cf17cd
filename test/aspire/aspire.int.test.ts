import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AspireResult } from '../../src/aspire/types.js';
import { connectAspirer } from '../../src/aspire/remote.js';
import { aspireHandler } from '../../src/aspire/handler.js';
import { metricsRegistry } from '../../src/observe/metrics.js';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/run-cli.js';
import { aspireWorld, entityCounts, plain, type AspireWorld, type Combo } from './setup.js';

/**
 * Must-show (issue 13, aspire's part) on SQLite → SQLite and MariaDB (binlog) → PostgreSQL (state store in
 * PostgreSQL too: claims and NOTIFY): one entity pulled through the data path with no backfill running, so next holds
 * a customer only when aspire put it there. End states judged by plain SQL on legacy, next and the state store.
 */
const COMBOS: Combo[] = ['sqlite', 'mariadb-postgres'];

for (const combo of COMBOS) {
  describe(`aspire (${combo})`, () => {
    let w: AspireWorld;
    beforeAll(async () => { w = await aspireWorld(combo, 30); }, 180_000);
    afterAll(async () => { await w?.drop(); }, 60_000);
    const aspirer = () => w.migration.aspirer!;
    const stateSql = (sql: string, params: unknown[] = []) => (w.state as unknown as { kind: string }).kind === 'sqlite'
      ? sqliteState(w, sql, params) : pgState(w, sql, params);

    it('migrates one customer with every row of it, marks it in legacy, ledger and audit; a second call is "already"', async () => {
      const r = await aspirer().aspire({ entity: 'customer', key: '3', trigger: 'cli', actor: 'alice' });
      expect(r, JSON.stringify(r)).toMatchObject({ outcome: 'migrated', entity: 'customer', key: '3' });
      const counts = await entityCounts(w, 3);
      expect(counts.next).toEqual(counts.legacy);
      expect(counts.legacy.reduce((a, b) => a + b, 0)).toBe((r as { rows: number }).rows);
      // nobody else was copied
      expect(Number(plain((await w.next.query('SELECT COUNT(*) AS n FROM customers'))[0]!['n']))).toBe(1);
      const marker = await w.legacy.query(`SELECT entity, entity_key FROM siphon_migrated`);
      expect(marker.map((m) => [m['entity'], m['entity_key']])).toEqual([['customer', '3']]);
      expect(await stateSql(`SELECT state, origin FROM ledger WHERE entity = 'customer' AND key = 'int:3'`)).toEqual([{ state: 'copied', origin: 'aspire' }]);
      const audit = await stateSql(`SELECT actor, subject FROM audit WHERE action = 'entity.aspire'`);
      expect(audit).toEqual([{ actor: 'alice', subject: 'customer:3' }]);
      const again = await aspirer().aspire({ entity: 'customer', key: '3', trigger: 'gateway' });
      expect(again.outcome).toBe('already');
      // from another process's point of view (the CLI): the flights line answers at once
      const remote = await connectAspirer({ config: w.config, waitTimeoutMs: 5_000 });
      try { expect((await remote.aspire({ entity: 'customer', key: '3', trigger: 'cli' })).outcome).toBe('already'); } finally { await remote.close(); }
    }, 60_000);

    it('concurrent calls for the same key share one flight; different keys go in shared chunks', async () => {
      const same = await Promise.all(Array.from({ length: 12 }, () => aspirer().aspire({ entity: 'customer', key: '5', trigger: 'gateway' })));
      expect(same.filter((r) => r.outcome === 'migrated')).toHaveLength(1);
      expect(same.filter((r) => r.outcome === 'shared')).toHaveLength(11);
      expect(await stateSql(`SELECT attempts FROM aspire_flights WHERE entity = 'customer' AND key = 'int:5'`)).toEqual([{ attempts: 1 }]);
      const keys = [6, 7, 8, 9, 10];
      const many = await Promise.all(keys.map((k) => aspirer().aspire({ entity: 'customer', key: String(k), trigger: 'api' })));
      expect(many.map((r) => r.outcome)).toEqual(keys.map(() => 'migrated'));
      for (const k of [5, ...keys]) {
        const c = await entityCounts(w, k);
        expect(c.next, `customer ${k}`).toEqual(c.legacy);
      }
      const text = await metricsRegistry().metrics();
      expect(text).toMatch(/siphon_aspire_shared_flights_total\{entity="customer",scope="process"\} (1[1-9]|[2-9]\d)/);
    }, 60_000);

    it('read-your-writes: a legacy write just before the call is in next when it returns', async () => {
      await w.legacy.execute(`UPDATE CLIENT SET CLI_VILLE = 'Quimper' WHERE CLI_ID = 11`);
      const r = await aspirer().aspire({ entity: 'customer', key: '11', trigger: 'gateway' });
      expect(r.outcome).toBe('migrated');
      expect((await w.next.query(`SELECT city FROM customers WHERE id = 11`))[0]!['city']).toBe('Quimper');
      // and a write after the aspire reaches next through capture, as for any migrated entity
      await w.legacy.execute(`UPDATE CLIENT SET CLI_VILLE = 'Brest' WHERE CLI_ID = 11`);
      await w.migration.drain();
      expect((await w.next.query(`SELECT city FROM customers WHERE id = 11`))[0]!['city']).toBe('Brest');
    }, 60_000);

    it('an entity with a quarantined row answers which rows failed and why; the ledger keeps it on legacy; no marker', async () => {
      const pick = (await w.legacy.query(`SELECT CLI_ID AS c, FAC_NUM AS f FROM FACTURE WHERE CLI_ID > 12 ORDER BY FAC_NUM LIMIT 1`))[0]!;
      const [cust, inv] = [Number(plain(pick['c'])), Number(plain(pick['f']))];
      await w.legacy.execute(`UPDATE FACTURE SET FAC_MT_HT = NULL WHERE FAC_NUM = ?`, [inv]);
      const r = await aspirer().aspire({ entity: 'customer', key: String(cust), trigger: 'api', actor: 'bob' });
      expect(r.outcome, JSON.stringify(r)).toBe('quarantined');
      const failed = (r as Extract<AspireResult, { outcome: 'quarantined' }>).failed;
      expect(failed.some((f) => f.table === 'FACTURE' && f.key === `int:${inv}`)).toBe(true);
      expect(failed.every((f) => f.reason.length > 0 && f.detail.length > 0)).toBe(true);
      expect(await stateSql(`SELECT state FROM ledger WHERE entity = 'customer' AND key = 'int:${cust}'`)).toEqual([{ state: 'quarantined' }]);
      expect(await w.legacy.query(`SELECT entity_key FROM siphon_migrated WHERE entity_key = '${cust}'`)).toEqual([]);
      // the admin API's view of the same answer
      const http = await aspireHandler(aspirer())({ entity: 'customer', key: String(cust), actor: 'bob' });
      expect(http.status).toBe(409);
      expect(await aspireHandler(aspirer())({ entity: 'nope', key: '4' })).toMatchObject({ status: 404 });
      expect(await aspireHandler(aspirer())({ entity: 'customer', key: 'x' })).toMatchObject({ status: 400 });
      // once fixed in legacy, a new call migrates it
      await w.legacy.execute(`UPDATE FACTURE SET FAC_MT_HT = 10 WHERE FAC_NUM = ?`, [inv]);
      expect((await aspirer().aspire({ entity: 'customer', key: String(cust), trigger: 'api' })).outcome).toBe('migrated');
      expect(await stateSql(`SELECT state FROM ledger WHERE entity = 'customer' AND key = 'int:${cust}'`)).toEqual([{ state: 'copied' }]);
    }, 60_000);

    it('a request queued by another process (CLI) is served by the migrate process', async () => {
      const remote = await connectAspirer({ config: w.config, waitTimeoutMs: 20_000 });
      try {
        const rs = await Promise.all([remote.aspire({ entity: 'customer', key: '12', trigger: 'cli', actor: 'carol' }), remote.aspire({ entity: 'customer', key: '12', trigger: 'cli' })]);
        expect(rs.map((r) => r.outcome).sort()).toEqual(['migrated', 'shared']);
      } finally { await remote.close(); }
      const c = await entityCounts(w, 12);
      expect(c.next).toEqual(c.legacy);
      expect(await stateSql(`SELECT actor FROM audit WHERE action = 'entity.aspire' AND subject = 'customer:12'`)).toEqual([{ actor: 'carol' }]);
    }, 60_000);

    it('the data path down: failed, retryable, with the reason; nothing marked', async () => {
      await w.migration.stop();
      const r = await w.migration.aspirer!.aspire({ entity: 'customer', key: '2', trigger: 'gateway' });
      expect(r).toMatchObject({ outcome: 'failed', retryable: true });
      expect((r as { reason: string }).reason).toMatch(/CLOSED|DATA_PATH_DOWN/);
      expect(await w.legacy.query(`SELECT entity_key FROM siphon_migrated WHERE entity_key = '2'`)).toEqual([]);
      w.migration = await w.start();
      expect((await w.migration.aspirer!.aspire({ entity: 'customer', key: '2', trigger: 'gateway' })).outcome).toBe('migrated');
    }, 60_000);

    it.runIf(combo === 'sqlite')('siphon aspire: exit 0 migrated then already, 1 quarantined with the rows, 2 unknown entity or bad key', async () => {
      const root = fileURLToPath(new URL('../../', import.meta.url));
      const file = join(dirname(w.config.state.slice('sqlite:'.length)), 'siphon.config.ts');
      writeFileSync(file, `import { defineMigration } from '${root}src/config/define.js';
import { billingEntities, billingTables } from '${root}examples/billing/mapping/tables.js';
export default defineMigration({ name: 'aspire', legacy: { db: '${w.config.legacy.db}', timezone: 'Europe/Paris' }, next: { db: '${w.config.next.db}' },
  state: '${w.config.state}', log: '${w.config.log}', entities: billingEntities, tables: billingTables() });
`);
      const first = await runCli(['aspire', 'customer', '20', '-c', file, '--json', '--actor', 'dave']);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'migrated', entity: 'customer', key: '20' });
      const again = await runCli(['aspire', 'customer', '20', '-c', file]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/customer 20: already migrated/);
      const pick = (await w.legacy.query(`SELECT CLI_ID AS c, FAC_NUM AS f FROM FACTURE WHERE CLI_ID > 20 ORDER BY FAC_NUM LIMIT 1`))[0]!;
      await w.legacy.execute(`UPDATE FACTURE SET FAC_MT_HT = NULL WHERE FAC_NUM = ?`, [pick['f'] as never]);
      const q = await runCli(['aspire', 'customer', String(plain(pick['c'])), '-c', file]);
      expect(q.code, q.stdout + q.stderr).toBe(1);
      expect(q.stdout).toMatch(new RegExp(`FACTURE int:${String(plain(pick['f']))}: schema`));
      const unknown = await runCli(['aspire', 'invoice', '1', '-c', file]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/unknown entity "invoice": the configuration declares customer/);
      const bad = await runCli(['aspire', 'customer', 'abc', '-c', file]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/"abc" is not a key of entity customer/);
      expect((await runCli(['aspire', 'customer', '-c', file])).code).toBe(2);
    }, 60_000);

    it.runIf(combo === 'mariadb-postgres')('next down: failed, retryable, with the reason; ledger and marker untouched; served again once next is back', async () => {
      const { default: pg } = await import('pg');
      const name = new URL(w.nextUrl).pathname.slice(1);
      const admin = new pg.Client({ connectionString: w.nextUrl.replace(`/${name}`, '/postgres') });
      await admin.connect();
      const failed = w.migration.failed.catch((e: unknown) => e);
      try {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
        const r = await w.migration.aspirer!.aspire({ entity: 'customer', key: '1', trigger: 'gateway' });
        expect(r, JSON.stringify(r)).toMatchObject({ outcome: 'failed', retryable: true });
        expect((r as { reason: string }).reason).toMatch(/NEXT_UNAVAILABLE|DATA_PATH_DOWN/);
        expect((r as { message: string }).message.length).toBeGreaterThan(10);
      } finally {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        await admin.end();
      }
      if ((await w.legacy.listTables()).includes('siphon_migrated')) expect(await w.legacy.query(`SELECT entity_key FROM siphon_migrated WHERE entity_key = '1'`)).toEqual([]);
      expect(await stateSql(`SELECT state FROM ledger WHERE entity = 'customer' AND key = 'int:1'`)).toEqual([]);
      await w.migration.stop().catch(() => undefined);
      await failed;
      w.migration = await w.start();
      expect((await w.migration.aspirer!.aspire({ entity: 'customer', key: '1', trigger: 'gateway' })).outcome).toBe('migrated');
      const c = await entityCounts(w, 1);
      expect(c.next).toEqual(c.legacy);
    }, 120_000);
  });
}

async function sqliteState(w: AspireWorld, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  const { default: Sqlite } = await import('better-sqlite3');
  const db = new Sqlite(w.config.state.slice('sqlite:'.length), { readonly: true });
  try { return db.prepare(sql).all(...params) as Record<string, unknown>[]; } finally { db.close(); }
}

async function pgState(w: AspireWorld, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: w.stateUrl });
  await c.connect();
  try {
    await c.query('SET search_path TO siphon_state');
    return (await c.query(sql, params)).rows as Record<string, unknown>[];
  } finally { await c.end(); }
}
