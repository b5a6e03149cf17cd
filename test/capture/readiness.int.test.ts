import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { captureReadiness } from '../../src/capture/readiness.js';
import { runCli } from '../cli/run-cli.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { MY_ADMIN_URL } from '../support/services.js';

// Issue 11, finding 7: readiness per method and per table; the default method is the one judged; install refuses what
// start would refuse. A user without replication privileges stands in for "binary log unusable" (the shared server's
// binary log cannot be switched off for one test).
describe('capture readiness per method and per table (MariaDB)', () => {
  let fresh: FreshDatabase, db: Database, dir: string;
  const user = `siphon_rd_${Date.now().toString(36)}`;
  let userUrl = '';
  beforeAll(async () => {
    fresh = await freshDatabase('mysql');
    db = await openDatabase(fresh.url);
    await db.execute(`CREATE TABLE keyed (id INT PRIMARY KEY, v VARCHAR(10))`);
    await db.execute(`CREATE TABLE nokey (a INT, b INT)`);
    const admin = await mysql.createConnection(MY_ADMIN_URL);
    try {
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw'`);
      await admin.query(`GRANT ALL PRIVILEGES ON \`${fresh.name}\`.* TO '${user}'@'%'`);
      await admin.query(`GRANT SUPER ON *.* TO '${user}'@'%'`); // CREATE TRIGGER with the binary log on
    } finally { await admin.end(); }
    const u = new URL(fresh.url); u.username = user; u.password = 'pw'; userUrl = u.toString();
    dir = mkdtempSync(join(tmpdir(), 'siphon-readiness-'));
  });
  afterAll(async () => {
    const admin = await mysql.createConnection(MY_ADMIN_URL);
    try { await admin.query(`DROP USER IF EXISTS '${user}'@'%'`); } finally { await admin.end(); }
    await db?.close(); await fresh?.drop(); rmSync(dir, { recursive: true, force: true });
  });

  it('reports each method for each table', async () => {
    const r = await captureReadiness(db, ['keyed', 'nokey']);
    expect(r.map((m) => [m.method, m.isDefault, m.ready])).toEqual([['binlog', true, false], ['trigger', false, false]]);
    expect(r[0]!.tables).toEqual({ keyed: [], nokey: [expect.stringMatching(/no primary key/)] });
    expect(r[0]!.problems).toEqual([expect.stringMatching(/^table nokey: no primary key/)]);
    expect((await captureReadiness(db, ['keyed'])).every((m) => m.ready)).toBe(true);
  });

  it('capture install refuses a table start would refuse, whatever the method', async () => {
    const log = `sqlite:${join(dir, 'log1.sqlite')}`;
    const r = await runCli(['capture', 'install', '--legacy-db', fresh.url, '--log', log, '--tables', 'keyed,nokey', '--method', 'binlog']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/binlog capture is not ready on legacy: table nokey: no primary key/);
    const other = await runCli(['capture', 'install', '--legacy-db', fresh.url, '--log', log, '--tables', 'nokey', '--method', 'trigger']);
    expect(other.code).toBe(1);
    expect((await db.query(`SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`)).length).toBe(0);
  });

  it('with the default method not ready, install, start and check fail and name the method that is ready', async () => {
    const log = `sqlite:${join(dir, 'log2.sqlite')}`;
    const flags = ['--legacy-db', userUrl, '--log', log, '--tables', 'keyed'];
    const inst = await runCli(['capture', 'install', ...flags]);
    expect(inst.code).toBe(1);
    expect(inst.stderr).toMatch(/binlog capture \(the default method\) is not ready on legacy: .*REPLICATION SLAVE.*Ready instead: trigger \(choose it with --method trigger\)/);
    const start = await runCli(['capture', 'start', ...flags]);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/Ready instead: trigger/);
    const viaTrigger = await runCli(['capture', 'install', ...flags, '--method', 'trigger']);
    expect(viaTrigger.stderr).toBe('');
    expect(viaTrigger.code).toBe(0);

    const cfg = join(dir, 'siphon.config.mts');
    writeFileSync(cfg, `import { defineMigration, z } from 'siphon';
export default defineMigration({
  name: 'readiness', legacy: { db: ${JSON.stringify(userUrl)} }, next: { db: 'sqlite:next.sqlite' }, log: 'sqlite:log3.sqlite',
  tables: { keyed: { key: ['id'], to: (row) => ({ keyed: [{ id: Number(row.id) }] }), schemas: { keyed: z.object({ id: z.number() }) } } },
});
`);
    const next = await openDatabase(`sqlite:${join(dir, 'next.sqlite')}`);
    await next.execute('CREATE TABLE keyed (id INTEGER PRIMARY KEY)');
    await next.close();
    const check = await runCli(['check', '-c', cfg, '--json']);
    const report = JSON.parse(check.stdout) as { problems: string[]; legacy: { captureReady: boolean; capture: { method: string; ready: boolean; isDefault: boolean }[] } };
    expect(report.legacy.captureReady).toBe(false);
    expect(report.legacy.capture.map((c) => [c.method, c.ready, c.isDefault])).toEqual([['binlog', false, true], ['trigger', true, false]]);
    expect(report.problems).toEqual([expect.stringMatching(/binlog capture \(the default method\) is not ready.*Ready instead: trigger/)]);
    expect(check.code).toBe(1);
  });
});
