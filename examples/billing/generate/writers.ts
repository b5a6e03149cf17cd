/**
 * Bulk writers of legacy rows, one per engine. They speak to the driver directly (this is the legacy system writing
 * its own database, not Siphon): multi-row INSERTs in one transaction per batch on MariaDB, prepared statements in
 * one transaction per batch on SQLite. Rows of a batch are written in table dependency order.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { parseConnectionUrl, redactUrl } from '../../../src/backends/url.js';
import { LEGACY_TABLES, legacyDdl } from '../legacy/schema.js';
import type { LegacyTableName } from '../legacy/schema.js';
import type { LegacyRow } from './customer.js';

export type RowsByTable = Map<LegacyTableName, LegacyRow[]>;

export interface LegacyWriter {
  readonly displayUrl: string;
  /** Create the schema; with `reset`, drop the legacy tables first. Refuses to add to tables that hold rows. */
  prepare(reset: boolean): Promise<void>;
  write(batch: RowsByTable): Promise<void>;
  close(): Promise<void>;
}

export class GenerateError extends Error {}

export async function openLegacyWriter(url: string): Promise<LegacyWriter> {
  const parsed = parseConnectionUrl(url);
  switch (parsed.kind) {
    case 'sqlite': return new SqliteWriter(parsed.path, url);
    case 'mysql': return MysqlWriter.open(parsed.url);
    case 'postgres':
    case 'nats':
      throw new GenerateError(`the legacy billing schema exists for MariaDB/MySQL and SQLite; got ${redactUrl(url)}`);
  }
}

const columnsOf = (table: LegacyTableName): string[] => LEGACY_TABLES.find((t) => t.name === table)!.columns.map((c) => c.name);

class SqliteWriter implements LegacyWriter {
  private readonly db: Sqlite.Database;
  private readonly inserts = new Map<LegacyTableName, Sqlite.Statement>();
  readonly displayUrl: string;

  constructor(path: string, url: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Sqlite(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.displayUrl = redactUrl(url);
  }

  async prepare(reset: boolean): Promise<void> {
    const existing = new Set((this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
    if (!reset) {
      for (const t of LEGACY_TABLES) {
        if (!existing.has(t.name)) continue;
        const n = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${t.name}`).get() as { n: number }).n;
        if (n > 0) throw new GenerateError(`${t.name} already holds ${n} rows in ${this.displayUrl}; pass --reset to start over`);
      }
    }
    const ddl = legacyDdl('sqlite', true);
    this.db.transaction(() => { for (const s of ddl) this.db.exec(s); })();
    for (const t of LEGACY_TABLES) {
      const cols = columnsOf(t.name as LegacyTableName);
      this.inserts.set(t.name as LegacyTableName, this.db.prepare(`INSERT INTO ${t.name} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`));
    }
  }

  async write(batch: RowsByTable): Promise<void> {
    this.db.transaction(() => {
      for (const t of LEGACY_TABLES) {
        const rows = batch.get(t.name as LegacyTableName);
        if (!rows?.length) continue;
        const stmt = this.inserts.get(t.name as LegacyTableName)!;
        const cols = columnsOf(t.name as LegacyTableName);
        for (const r of rows) stmt.run(cols.map((c) => r[c] ?? null));
      }
    })();
  }

  async close(): Promise<void> { this.db.close(); }
}

/** Rows per INSERT statement: well under max_allowed_packet, big enough to amortise the round trip. */
const MYSQL_ROWS_PER_STATEMENT = 2000;

class MysqlWriter implements LegacyWriter {
  constructor(private readonly conn: mysql.Connection, readonly displayUrl: string) {}

  static async open(url: string): Promise<MysqlWriter> {
    const u = new URL(url);
    const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
    if (!database) throw new GenerateError(`${redactUrl(url)} names no database (mysql://user@host:port/DATABASE)`);
    u.pathname = '/';
    const conn = await mysql.createConnection({ uri: u.toString(), charset: 'utf8mb4', multipleStatements: false });
    try {
      // the legacy application ran without strict mode: zero dates and silent truncation were allowed
      await conn.query(`SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'`);
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET latin1`);
      await conn.query(`USE \`${database.replace(/`/g, '``')}\``);
    } catch (e) { await conn.end(); throw e; }
    return new MysqlWriter(conn, redactUrl(url));
  }

  async prepare(reset: boolean): Promise<void> {
    if (!reset) {
      for (const t of LEGACY_TABLES) {
        const [rows] = await this.conn.query(`SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`, [t.name]);
        if (Number((rows as { n: number }[])[0]?.n) === 0) continue;
        const [cnt] = await this.conn.query(`SELECT COUNT(*) AS n FROM ${t.name}`);
        const n = Number((cnt as { n: number }[])[0]?.n);
        if (n > 0) throw new GenerateError(`${t.name} already holds ${n} rows in ${this.displayUrl}; pass --reset to start over`);
      }
    }
    for (const s of legacyDdl('mysql', true)) await this.conn.query(s);
  }

  async write(batch: RowsByTable): Promise<void> {
    await this.conn.beginTransaction();
    try {
      for (const t of LEGACY_TABLES) {
        const rows = batch.get(t.name as LegacyTableName);
        if (!rows?.length) continue;
        const cols = columnsOf(t.name as LegacyTableName);
        for (let i = 0; i < rows.length; i += MYSQL_ROWS_PER_STATEMENT) {
          const values = rows.slice(i, i + MYSQL_ROWS_PER_STATEMENT).map((r) => cols.map((c) => r[c] ?? null));
          await this.conn.query(`INSERT INTO ${t.name} (${cols.join(', ')}) VALUES ?`, [values]);
        }
      }
      await this.conn.commit();
    } catch (e) {
      await this.conn.rollback().catch(() => undefined);
      throw e;
    }
  }

  async close(): Promise<void> { await this.conn.end(); }
}
