import BetterSqlite3 from 'better-sqlite3';
import type { Capabilities, CaptureReadiness, ColumnInfo, Database, TableInfo } from '../types.js';
import type { Row } from '../../values/value.js';
import { BackendError, ConnectionError } from '../errors.js';
import { SqlDatabase, TableCache } from '../sql/sql-database.js';
import type { Bound, Session, SqlDialect } from '../sql/session.js';
import { wrapDriverError } from '../sql/connection-errors.js';
import { Mutex } from '../sql/mutex.js';
import { sqliteDescribe, sqliteTables } from './introspect.js';
import { byStorageClass, fromSqlite, sqliteParam, toSqlite, type SqliteParam, type SqliteRaw } from './values.js';
import { sqliteLogicalType } from './types.js';

export interface SqliteOptions {
  /** Open read-only (a legacy source that must not be touched). */
  readonly readonly?: boolean;
  /** Fail instead of creating a missing file (default: create). */
  readonly mustExist?: boolean;
  /** Milliseconds to wait for another process's write lock (default 5000). */
  readonly busyTimeoutMs?: number;
}

/** Array parameters are a PostgreSQL feature; this dialect never asks for them (no columnarUpsertSql). */
function unsupportedColumnParam(): never {
  throw new BackendError('BACKEND_UNSUPPORTED_PARAM', 'array parameters are not supported on this engine', {});
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

const DIALECT: SqlDialect = {
  maxParams: 32766,
  rowValueCompare: true,
  nullsFirst: () => '', // NULL sorts first already
  quoteIdent: quote,
  // text/json/blob as bytes: invalid UTF-8 is detected instead of replaced; decimals as text: exact digits
  selectExpr: (c: ColumnInfo) => c.type === 'text' || c.type === 'json' || c.type === 'bytes' ? `CAST(${quote(c.name)} AS BLOB)`
    : c.type === 'dec' ? `CAST(${quote(c.name)} AS TEXT)` : quote(c.name),
  // BINARY collation (memcmp of UTF-8) is code-point order, the order of compareKeys. An explicit COLLATE keeps
  // SQLite from seeking in the index, so it is only added where the column's collation is not BINARY already.
  keyExpr: (c: ColumnInfo) => (needsBinary(c) ? `${quote(c.name)} COLLATE BINARY` : quote(c.name)),
  keyEquals: (c: ColumnInfo) => ({ sql: needsBinary(c) ? `${quote(c.name)} = ? COLLATE BINARY` : `${quote(c.name)} = ?`, params: 1 }),
  upsertSql(table, columns, key, rows) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const rest = columns.filter((c) => !key.includes(c));
    const action = rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}`;
    return `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`
      + ` ON CONFLICT (${key.map(quote).join(', ')}) ${action}`;
  },
};

function needsBinary(c: ColumnInfo): boolean {
  return (c.type === 'text' || c.type === 'unknown' || c.type === 'json') && c.collation?.toUpperCase() !== 'BINARY';
}

/** State shared by a database and its transaction handles: one connection, one lock around it. */
interface Shared {
  readonly db: BetterSqlite3.Database;
  readonly lock: Mutex;
  readonly cache: TableCache;
  readonly statements: Map<string, BetterSqlite3.Statement>;
  readonly path: string;
  savepoints: number;
}

/**
 * SQLite through better-sqlite3: a synchronous driver behind the async interface. One connection per Database;
 * a FIFO lock keeps a `transaction()` from interleaving with other calls on the same connection (a second
 * connection would block the event loop on SQLite's busy wait while the first one waits for us).
 */
export class SqliteDatabase extends SqlDatabase {
  readonly dialect = 'sqlite' as const;
  readonly capabilities: Capabilities = { dialect: 'sqlite', transactionalDdl: true, logCapture: null, triggers: true, concurrentWriters: false, copyIn: false };
  protected readonly sql = DIALECT;
  protected readonly cache: TableCache;
  private finished = false;

  private constructor(private readonly shared: Shared, readonly displayUrl: string, private readonly inTx: boolean) {
    super();
    this.cache = shared.cache;
  }

  static open(path: string, displayUrl: string, options: SqliteOptions = {}): SqliteDatabase {
    let db: BetterSqlite3.Database;
    try {
      db = new BetterSqlite3(path, { readonly: options.readonly ?? false, fileMustExist: options.mustExist ?? false });
      db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
      if (!options.readonly && path !== ':memory:') db.pragma('journal_mode = WAL');
      db.prepare('SELECT 1').get();
    } catch (e) {
      throw new ConnectionError(displayUrl, e);
    }
    return new SqliteDatabase({ db, lock: new Mutex(), cache: new TableCache(), statements: new Map(), path, savepoints: 0 }, displayUrl, false);
  }

  /** The better-sqlite3 handle, for code inside this folder tree that needs the driver (e.g. trigger capture). */
  get driver(): BetterSqlite3.Database { return this.shared.db; }

  protected async withSession<T>(atomic: boolean, fn: (s: Session) => Promise<T>): Promise<T> {
    this.assertUsable();
    const session = this.session();
    if (this.inTx) return fn(session);
    const release = await this.shared.lock.lock();
    try {
      if (!atomic) return await fn(session);
      this.shared.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(session);
        this.shared.db.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.shared.db.inTransaction) this.shared.db.exec('ROLLBACK');
        throw e;
      }
    } finally { release(); }
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    this.assertUsable();
    const db = this.shared.db;
    if (this.inTx) {
      const sp = `siphon_sp_${++this.shared.savepoints}`;
      db.exec(`SAVEPOINT ${sp}`);
      try {
        const out = await fn(this);
        db.exec(`RELEASE ${sp}`);
        return out;
      } catch (e) {
        db.exec(`ROLLBACK TO ${sp}`); db.exec(`RELEASE ${sp}`);
        throw e;
      }
    }
    const release = await this.shared.lock.lock();
    const tx = new SqliteDatabase(this.shared, this.displayUrl, true);
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(tx);
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      tx.finished = true;
      release();
    }
  }

  protected async introspect(_s: Session, name: string): Promise<TableInfo | undefined> { return sqliteDescribe(this.shared.db, name); }
  protected async tablesIn(): Promise<string[]> { return sqliteTables(this.shared.db); }

  async captureReadiness(): Promise<CaptureReadiness[]> {
    const db = this.shared.db;
    const journal = String(db.pragma('journal_mode', { simple: true }));
    const problems = db.readonly ? [`${this.displayUrl} is opened read-only: trigger capture must create a change table and triggers; open it writable`] : [];
    return [{ method: 'trigger', ready: problems.length === 0, problems, details: { journalMode: journal, readonly: db.readonly, path: this.shared.path } }];
  }

  async close(): Promise<void> {
    if (this.inTx) return;
    const release = await this.shared.lock.lock();
    try { if (this.shared.db.open) this.shared.db.close(); } finally { release(); }
  }

  private assertUsable(): void {
    if (this.finished) throw new BackendError('BACKEND_TX_FINISHED', 'this transaction handle was used after its transaction ended', {});
    if (!this.shared.db.open) throw new BackendError('BACKEND_CLOSED', `${this.displayUrl} is closed`, {});
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let st = this.shared.statements.get(sql);
    if (!st) {
      st = this.shared.db.prepare(sql);
      if (st.reader) st.safeIntegers(true);
      if (this.shared.statements.size >= 256) this.shared.statements.delete(this.shared.statements.keys().next().value!);
      this.shared.statements.set(sql, st);
    }
    return st;
  }

  private session(): Session {
    const bind = (params: readonly Bound[]): SqliteParam[] => params.map((p) => p.kind === 'param' ? sqliteParam(p.param) : p.kind === 'value' ? toSqlite(p.value, p.column, p.table, p.purpose) : unsupportedColumnParam());
    // driver errors become QueryError (engine code kept: SQLITE_BUSY is retryable, a constraint is not)
    const wrap = <A extends unknown[], R>(fn: (sql: string, ...rest: A) => Promise<R>) => async (sql: string, ...rest: A): Promise<R> => {
      try { return await fn(sql, ...rest); } catch (e) { throw wrapDriverError(this.displayUrl, sql, e); }
    };
    return {
      readTable: wrap(async (sql: string, params: readonly Bound[], columns: readonly ColumnInfo[]) => {
        const st = this.prepare(sql);
        const raw = st.raw(true).all(...bind(params)) as SqliteRaw[][];
        return raw.map((r) => {
          const row: Row = {};
          columns.forEach((c, i) => { row[c.name] = fromSqlite(r[i] ?? null, c); });
          return row;
        });
      }),
      query: wrap(async (sql: string, params: readonly Bound[]) => {
        const st = this.shared.statements.get(sql) ?? this.shared.db.prepare(sql);
        if (!st.reader) { st.run(...bind(params)); return []; }
        st.safeIntegers(true);
        const cols = st.columns();
        const raw = st.raw(true).all(...bind(params)) as SqliteRaw[][];
        st.raw(false);
        // declared type when the column is a plain table column, else the storage class of each value
        const types = cols.map((c) => (c.type ? sqliteLogicalType(c.type) : undefined));
        return raw.map((r) => {
          const row: Row = {};
          cols.forEach((c, i) => {
            const t = types[i];
            const v = r[i] ?? null;
            row[c.name] = t && t !== 'unknown' ? fromSqlite(v, { type: t }) : byStorageClass(v);
          });
          return row;
        });
      }),
      run: wrap(async (sql: string, params: readonly Bound[]) => Number(this.prepare(sql).run(...bind(params)).changes)),
      script: wrap(async (sql: string) => { this.shared.db.exec(sql); }),
    };
  }
}
