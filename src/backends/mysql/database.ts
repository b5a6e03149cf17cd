import mysql from 'mysql2/promise';
import type { Capabilities, CaptureReadiness, ColumnInfo, Database, TableInfo } from '../types.js';
import type { Row } from '../../values/value.js';
import { BackendError, ConnectionError } from '../errors.js';
import { SqlDatabase, TableCache } from '../sql/sql-database.js';
import { decodeRows } from '../sql/decode-rows.js';
import type { Bound, Session, SqlDialect } from '../sql/session.js';
import { scanPlaceholders } from '../sql/placeholders.js';
import { wrapDriverError } from '../sql/connection-errors.js';
import { decodeUtf8 } from '../sql/encode-common.js';
import { mysqlDescribe, mysqlTables, type CatalogQuery } from './introspect.js';
import { mysqlReadiness } from './readiness.js';
import { mysqlDecoder, mysqlParam, toMysql, type MysqlDecoder, type MysqlParam } from './values.js';
import { mysqlFieldType } from './types.js';

export interface MysqlOptions {
  readonly poolSize?: number;
  readonly connectTimeoutMs?: number;
}

/**
 * Every session: raw column bytes (decoded here by the column's charset), TIMESTAMP read and written as UTC, and a
 * sql_mode that is strict for writes (no silent truncation) but admits zero dates (legacy data has them).
 */
const SESSION_SETUP = "SET time_zone = '+00:00', character_set_results = NULL, sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'";

/** Array parameters are a PostgreSQL feature; this dialect never asks for them (no columnarUpsertSql). */
function unsupportedColumnParam(): never {
  throw new BackendError('BACKEND_UNSUPPORTED_PARAM', 'array parameters are not supported on this engine', {});
}

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

function dialectFor(binaryCollation: string): SqlDialect {
  // text keys compare as code points whatever the column's charset and collation: the order of compareKeys.
  // NO PAD matters: with a PAD SPACE collation 'a' and 'a ' would be equal keys.
  const bin = (c: ColumnInfo) => `CONVERT(${quote(c.name)} USING utf8mb4) COLLATE ${binaryCollation}`;
  // columns already in a binary NO PAD UTF-8 collation keep their plain name, so the index serves keyset reads
  const textual = (c: ColumnInfo) => c.type === 'text' && c.charset !== undefined
    && !(/^utf8(mb[34])?$/.test(c.charset) && /_(nopad_bin|0900_bin)$/.test(c.collation ?? ''));
  return {
    maxParams: 65535,
    rowValueCompare: false,
    nullsFirst: () => '', // NULL sorts first already
    quoteIdent: quote,
    selectExpr: (c) => quote(c.name),
    keyExpr: (c) => (textual(c) ? bin(c) : quote(c.name)),
    // the plain comparison lets the index find candidates, the binary one makes the match exact
    keyEquals: (c) => (textual(c) ? { sql: `(${quote(c.name)} = ? AND ${bin(c)} = ?)`, params: 2 } : { sql: `${quote(c.name)} = ?`, params: 1 }),
    upsertSql(table, columns, key, rows) {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const rest = columns.filter((c) => !key.includes(c));
      const set = (rest.length ? rest : [key[0]!]).map((c) => `${quote(c)} = VALUES(${quote(c)})`).join(', ');
      return `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')} ON DUPLICATE KEY UPDATE ${set}`;
    },
  };
}

/** Every value's bytes as a latin1 string (see `MysqlDatabase.raw`). */
const LATIN1_BYTES = (field: { string(encoding?: string): string | null }): string | null => field.string('latin1');

interface Shared {
  readonly pool: mysql.Pool;
  readonly cache: TableCache;
  readonly sql: SqlDialect;
  /** collation id → character set name, for result fields of raw queries */
  readonly charsets: Map<number, string>;
  /** the connection's default database */
  readonly database: string | null;
  savepoints: number;
}

type Queryable = mysql.Pool | mysql.PoolConnection;

/** MariaDB/MySQL through a mysql2 pool, text protocol, parameters inlined with the driver's escaping. */
export class MysqlDatabase extends SqlDatabase {
  readonly dialect = 'mysql' as const;
  readonly capabilities: Capabilities = { dialect: 'mysql', transactionalDdl: false, logCapture: 'binlog', triggers: true, concurrentWriters: true, copyIn: false };
  protected readonly sql: SqlDialect;
  protected readonly cache: TableCache;
  private finished = false;

  private constructor(private readonly shared: Shared, readonly displayUrl: string, private readonly conn: mysql.PoolConnection | null) {
    super();
    this.cache = shared.cache;
    this.sql = shared.sql;
  }

  static async open(url: string, displayUrl: string, options: MysqlOptions = {}): Promise<MysqlDatabase> {
    const pool = mysql.createPool({
      uri: url,
      connectionLimit: options.poolSize ?? 5,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      decimalNumbers: false,
      multipleStatements: true,
      rowsAsArray: true,
      // the raw bytes of every value: this adapter decodes them (by column charset, zero dates kept as such)
      typeCast: (field) => field.buffer(),
    });
    // queued before any caller's statement on this connection; a session that cannot be set up (wrong zone, raw
    // bytes off) would read wrong values, so it is destroyed and the caller's statement fails instead
    pool.on('connection', (conn) => {
      const c = conn as unknown as { query(sql: string, cb: (err: Error | null) => void): void; destroy(): void };
      c.query(SESSION_SETUP, (err) => { if (err) c.destroy(); });
    });
    try {
      const [rows] = await pool.query({ sql: 'SELECT VERSION(), @@time_zone, DATABASE()', rowsAsArray: true });
      const [version, tz, database] = (rows as (Buffer | null)[][])[0]!.map((b) => b?.toString() ?? null);
      if (tz !== '+00:00') throw new Error(`session time_zone is ${tz}, expected +00:00`);
      const [cs] = await pool.query({ sql: 'SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS', rowsAsArray: true });
      const charsets = new Map((cs as (Buffer | null)[][]).filter((r) => r[0] && r[1]).map((r) => [Number(r[0]!.toString()), r[1]!.toString()] as const));
      const binary = /mariadb/i.test(version ?? '') ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
      return new MysqlDatabase({ pool, cache: new TableCache(), sql: dialectFor(binary), charsets, database: database ?? null, savepoints: 0 }, displayUrl, null);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new ConnectionError(displayUrl, e);
    }
  }

  protected async withSession<T>(atomic: boolean, fn: (s: Session) => Promise<T>): Promise<T> {
    if (this.finished) throw new BackendError('BACKEND_TX_FINISHED', 'this transaction handle was used after its transaction ended', {});
    if (this.conn) return fn(this.session(this.conn));
    if (!atomic) return fn(this.session(this.shared.pool));
    return this.inNewTransaction((c) => fn(this.session(c)));
  }

  private async inNewTransaction<T>(fn: (c: mysql.PoolConnection) => Promise<T>): Promise<T> {
    let conn: mysql.PoolConnection;
    try { conn = await this.shared.pool.getConnection(); } catch (e) { throw wrapDriverError(this.displayUrl, 'BEGIN', e); }
    let broken = false;
    try {
      await conn.query('START TRANSACTION');
      const out = await fn(conn);
      await conn.query('COMMIT');
      return out;
    } catch (e) {
      await conn.query('ROLLBACK').catch(() => { broken = true; });
      throw wrapDriverError(this.displayUrl, 'transaction', e);
    } finally {
      if (broken) conn.destroy(); else conn.release();
    }
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    if (this.conn) {
      const sp = `siphon_sp_${++this.shared.savepoints}`;
      await this.conn.query(`SAVEPOINT ${sp}`);
      try {
        const out = await fn(this);
        await this.conn.query(`RELEASE SAVEPOINT ${sp}`);
        return out;
      } catch (e) {
        await this.conn.query(`ROLLBACK TO SAVEPOINT ${sp}`);
        throw e;
      }
    }
    return this.inNewTransaction(async (c) => {
      const tx = new MysqlDatabase(this.shared, this.displayUrl, c);
      try { return await fn(tx); } finally { tx.finished = true; }
    });
  }

  protected introspect(_s: Session, name: string): Promise<TableInfo | undefined> { return mysqlDescribe(this.catalog(), name); }
  protected tablesIn(): Promise<string[]> { return mysqlTables(this.catalog()); }
  captureReadiness(): Promise<CaptureReadiness[]> { return mysqlReadiness(this.catalog()); }

  async close(): Promise<void> {
    if (this.conn) return;
    await this.shared.pool.end();
  }

  /** `?` → escaped literal, skipping string literals, identifiers and comments. */
  private format(sql: string, params: readonly MysqlParam[]): string {
    const { positions } = scanPlaceholders(sql, { backslashEscapes: true });
    if (positions.length !== params.length) {
      throw new BackendError('BACKEND_PARAMS', `statement has ${positions.length} ? placeholders but ${params.length} parameters were given`, { sql: sql.slice(0, 300) });
    }
    if (positions.length === 0) return sql;
    let out = '';
    let last = 0;
    positions.forEach((p, i) => { out += sql.slice(last, p) + mysql.escape(params[i]); last = p + 1; });
    return out + sql.slice(last);
  }

  /**
   * Values come as the bytes the server sent: Buffers (the pool's typeCast), or with `bytesAs: 'latin1'` the same
   * bytes as latin1 strings (one char per byte, lossless), which cost a third of a Buffer view per value: the form
   * the per-row decoders (`mysqlDecoder`) take.
   */
  private async raw(q: Queryable, sql: string, params: readonly MysqlParam[], bytesAs: 'buffer' | 'latin1' = 'buffer'): Promise<[unknown, mysql.FieldPacket[] | undefined]> {
    const text = this.format(sql, params);
    try {
      const [rows, fields] = await q.query({ sql: text, rowsAsArray: true, ...(bytesAs === 'latin1' ? { typeCast: LATIN1_BYTES } : {}) });
      return [rows, fields as mysql.FieldPacket[] | undefined];
    } catch (e) { throw wrapDriverError(this.displayUrl, text, e); }
  }

  private catalog(): CatalogQuery {
    return async (sql, params) => {
      const [rows] = await this.raw(this.conn ?? this.shared.pool, sql, params);
      return (rows as (Buffer | null)[][]).map((r) => r.map((b) => (b === null ? null : decodeUtf8(b) ?? b.toString('latin1'))));
    };
  }

  private session(q: Queryable): Session {
    const bind = (params: readonly Bound[]): MysqlParam[] => params.map((p) => p.kind === 'param' ? mysqlParam(p.param) : p.kind === 'value' ? toMysql(p.value, p.column, p.table, p.purpose) : unsupportedColumnParam());
    return {
      readTable: async (sql, params, columns) => {
        const [rows] = await this.raw(q, sql, bind(params), 'latin1');
        return decodeRows(rows as (string | null)[][], columns.map((c) => c.name), columns.map((c) => mysqlDecoder(c)));
      },
      query: async (sql, params) => {
        const [rows, fields] = await this.raw(q, sql, bind(params), 'latin1');
        if (!Array.isArray(rows) || !fields) return [];
        if (Array.isArray(fields[0])) {
          throw new BackendError('BACKEND_MULTI_STATEMENT', 'query() runs one statement; use execute() for scripts', { sql: sql.slice(0, 300) });
        }
        const cols = await Promise.all(fields.map(async (f) => {
          const t = mysqlFieldType(f.columnType ?? 253, f.columnLength ?? 0, f.characterSet ?? 63);
          const charset = this.shared.charsets.get(f.characterSet ?? 0);
          // MariaDB's JSON is LONGTEXT in result metadata: a plain table column takes its introspected type instead
          if (t.type === 'text' && f.orgTable && f.orgName && f.db === this.shared.database) {
            const info = await this.describeTable(f.orgTable).catch(() => undefined);
            const col = info?.columns.find((c) => c.name === f.orgName);
            if (col) return col;
          }
          return { ...t, ...(charset ? { charset } : {}) };
        }));
        return decodeRows(rows as (string | null)[][], fields.map((f) => f.name), cols.map((c) => mysqlDecoder(c)));
      },
      run: async (sql, params) => {
        const [res] = await this.raw(q, sql, bind(params));
        return (res as { affectedRows?: number }).affectedRows ?? 0;
      },
      script: async (sql) => { await this.raw(q, sql, []); },
    };
  }
}
