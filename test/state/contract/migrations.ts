import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/state/migrations/index.js';
import { open, rejection, type ContractContext } from './context.js';

const run = promisify(execFile);
const OPENER = fileURLToPath(new URL('../support/open-store.ts', import.meta.url));
const LATEST = Math.max(...MIGRATIONS.map((m) => m.id));

export function migrationsContract(ctx: ContractContext): void {
  it('upgrades a store created by older code, keeping its data', async () => {
    const url = ctx.isolatedUrl('upgrade');
    const old = await open(url, { migrations: MIGRATIONS.slice(0, 1) });
    expect(await old.schemaVersion()).toBe(1);
    await old.upsertLedger([{ entity: 'customer', key: '42', state: 'copied', version: '0007', origin: 'backfill' }]);
    await old.saveCheckpoint('apply', null, '0/10');
    await expect(old.routeTableVersion()).rejects.toThrow(); // no route table at version 1
    await old.close();

    const upgraded = await open(url);
    try {
      expect(await upgraded.schemaVersion()).toBe(LATEST);
      expect(await upgraded.getLedger('customer', '42')).toMatchObject({ state: 'copied', version: '0007' });
      expect(await upgraded.getCheckpoint('apply')).toBe('0/10');
      expect((await upgraded.setRoutes([{ id: 'r', match: { path: '/' }, mode: 'legacy' }], { actor: 'test' })).version).toBe(1);
      const applied = await ctx.raw<{ id: number }>(url, 'SELECT id FROM schema_migrations ORDER BY id');
      expect(applied.map((r) => Number(r.id))).toEqual(MIGRATIONS.map((m) => m.id));
    } finally { await upgraded.close(); }
  });

  it('refuses to open a store migrated by newer code, naming both versions', async () => {
    const url = ctx.isolatedUrl('upgrade'); // at LATEST after the previous test
    const e = await rejection(open(url, { migrations: MIGRATIONS.slice(0, 2) }));
    expect(e.code).toBe('STATE_SCHEMA_TOO_NEW');
    expect(e.context).toMatchObject({ storeVersion: LATEST, codeVersion: 2, unknownIds: MIGRATIONS.slice(2).map((m) => m.id) });
    expect(e.message).not.toMatch(/password/i);
  });

  it('rolls a failing migration back whole, leaving the store at its previous version', async () => {
    const url = ctx.isolatedUrl('broken');
    const broken = { id: LATEST + 1, description: 'broken on purpose', sqlite: 'CREATE TABLE half_done (a INTEGER); SELECT * FROM no_such_table;', postgres: 'CREATE TABLE half_done (a integer); SELECT * FROM no_such_table;' };
    const e = await rejection(open(url, { migrations: [...MIGRATIONS, broken] }));
    expect(e.code).toBe('STATE_MIGRATION_FAILED');
    expect(e.message).toContain('broken on purpose');
    // the whole open transaction rolled back: not even migrations 1..LATEST of that run (nor the bookkeeping) remain
    const left = ctx.dialect === 'sqlite'
      ? await ctx.raw(url, "SELECT name FROM sqlite_master WHERE type = 'table'")
      : await ctx.raw(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'broken'");
    expect(left).toEqual([]);
    const store = await open(url);
    try {
      expect(await store.schemaVersion()).toBe(LATEST);
      const tables = ctx.dialect === 'sqlite'
        ? await ctx.raw(url, "SELECT name FROM sqlite_master WHERE name = 'half_done'")
        : await ctx.raw(url, "SELECT tablename FROM pg_tables WHERE tablename = 'half_done'");
      expect(tables).toEqual([]);
    } finally { await store.close(); }
  });

  it('lets several processes open a new store at once: each migration runs exactly once', async () => {
    const url = ctx.isolatedUrl('concurrent');
    const outs = await Promise.all([1, 2, 3].map(() => run(process.execPath, ['--import', 'tsx', OPENER, url], { cwd: process.cwd() })));
    expect(outs.map((o) => o.stdout.trim())).toEqual([String(LATEST), String(LATEST), String(LATEST)]);
    const applied = await ctx.raw<{ id: number }>(url, 'SELECT id FROM schema_migrations ORDER BY id');
    expect(applied.map((r) => Number(r.id))).toEqual(MIGRATIONS.map((m) => m.id));
    expect(await ctx.raw(url, "SELECT key FROM ledger WHERE entity = 'opener'")).toHaveLength(3);
  });
}
