import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { Dialect } from '../../src/backends/types.js';
import { MY_ADMIN_URL, PG_ADMIN_URL } from './services.js';

/**
 * Test harness: a fresh, empty database on a real engine, per test file (or per test). Integration tests never share
 * a database, so they run in parallel. `drop()` removes it.
 */
export interface FreshDatabase {
  readonly dialect: Dialect;
  readonly url: string;
  /** For PostgreSQL and MariaDB: the database name. For SQLite: the file path. */
  readonly name: string;
  drop(): Promise<void>;
}

export const ALL_DIALECTS: readonly Dialect[] = ['sqlite', 'postgres', 'mysql'];

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function freshDatabase(dialect: Dialect, prefix = 'siphon_t'): Promise<FreshDatabase> {
  const name = uniqueName(prefix);
  switch (dialect) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'siphon-test-'));
      const path = join(dir, `${name}.sqlite`);
      return { dialect, url: `sqlite:${path}`, name: path, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    }
    case 'postgres': {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try { await c.query(`CREATE DATABASE ${name}`); } finally { await c.end(); }
      return {
        dialect, url: withDb(PG_ADMIN_URL, name), name,
        drop: async () => {
          const d = new pg.Client({ connectionString: PG_ADMIN_URL });
          await d.connect();
          try {
            // replication slots pin WAL: drop any a test left behind in this database
            await d.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`, [name]);
            await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          } finally { await d.end(); }
        },
      };
    }
    case 'mysql': {
      const c = await mysql.createConnection(MY_ADMIN_URL);
      try { await c.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`); } finally { await c.end(); }
      return {
        dialect, url: withDb(MY_ADMIN_URL, name), name,
        drop: async () => {
          const d = await mysql.createConnection(MY_ADMIN_URL);
          try { await d.query(`DROP DATABASE IF EXISTS ${name}`); } finally { await d.end(); }
        },
      };
    }
  }
}
