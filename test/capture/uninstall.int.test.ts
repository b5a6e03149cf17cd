import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { runCli } from '../cli/run-cli.js';

// Finding 12 of issue 11: `capture uninstall` left siphon_watermarks behind. It now drops it (what install created),
// or keeps it when asked and says so. Judged by plain SQL on the engine's catalogue.
describe('capture uninstall and the watermark table', () => {
  let lite: FreshDatabase, maria: FreshDatabase;
  beforeAll(async () => {
    lite = await freshDatabase('sqlite', 'siphon_uninst');
    maria = await freshDatabase('mysql', 'siphon_uninst');
    const db = new Database(lite.name);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    db.close();
    const c = await mysql.createConnection(maria.url);
    try { await c.query('CREATE TABLE t (id INT PRIMARY KEY, v TEXT)'); } finally { await c.end(); }
  });
  afterAll(async () => { await lite?.drop(); await maria?.drop(); });

  const sqliteTables = () => {
    const db = new Database(lite.name, { readonly: true });
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    } finally { db.close(); }
  };
  const mariaTables = async () => {
    const c = await mysql.createConnection(maria.url);
    try {
      const [rows] = await c.query('SELECT table_name AS n FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1');
      return (rows as { n: string }[]).map((r) => r.n);
    } finally { await c.end(); }
  };

  it('trigger (SQLite): dropped by default, kept with --keep-watermarks, and the output says which', async () => {
    const flags = ['--legacy-db', lite.url, '--tables', 't', '--log', `sqlite:${lite.name}.log`];
    expect((await runCli(['capture', 'install', ...flags])).code).toBe(0);
    expect(sqliteTables()).toContain('siphon_watermarks');
    const kept = await runCli(['capture', 'uninstall', ...flags, '--keep-watermarks']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/siphon_watermarks kept \(--keep-watermarks\)/);
    expect(sqliteTables()).toContain('siphon_watermarks');
    const dropped = await runCli(['capture', 'uninstall', ...flags, '--drop-change-table']);
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toMatch(/siphon_watermarks dropped/);
    expect(sqliteTables()).toEqual(['t']);
  });

  it('binlog (MariaDB): dropped by default', async () => {
    const flags = ['--legacy-db', maria.url, '--tables', 't', '--method', 'binlog'];
    expect((await runCli(['capture', 'install', ...flags])).code).toBe(0);
    expect(await mariaTables()).toEqual(['siphon_watermarks', 't']);
    const r = await runCli(['capture', 'uninstall', ...flags]);
    expect(r.code).toBe(0);
    expect(await mariaTables()).toEqual(['t']);
  });
});
