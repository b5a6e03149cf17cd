import pg from 'pg';
import { withPgTransaction } from './transaction.js';
import type { Capabilities, CaptureReadiness, ColumnInfo, CopyInResult, Database, TableInfo } from '../types.js';
import { copyRowsIn } from './copy.js';
import { flushBegin, inlineParams, isBeginPending, takeBeginPending } from './lazy-begin.js';
import type { Row } from '../../values/value.js';
import { BackendError, ConnectionError } from '../errors.js';
import { assertNever } from '../../errors.js';
import { SqlDatabase, TableCache } from '../sql/sql-database.js';
import { decodeRows } from '../sql/decode-rows.js';
import type { Bound, Session, SqlDialect } from '../sql/session.js';
import { toDollarPlaceholders } from '../sql/placeholders.js';
import { wrapDriverError } from '../sql/connection-errors.js';
import { postgresDescribe, postgresTables, type CatalogQuery } from './introspect.js';
import { postgresReadiness } from './readiness.js';
import { postgresDecoder, postgresOidType, postgresParam, toPostgres, type PostgresDecoder, type PostgresParam } from './values.js';

export interface PostgresOptions {
  readonly poolSize?: number;
  readonly schema?: string;
  readonly connectTimeoutMs?: number;
}

// Every value arrives as PostgreSQL's text output; this adapter converts it (no driver Date/number lossy parsing).
const RAW_TEXT: pg.CustomTypesConfig = { getTypeParser: (() => (v: string) => v) as unknown as pg.CustomTypesConfig['getTypeParser'] };

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const COLLATABLE = /^(text|character varying|varchar|character|bpchar|name|citext)\b/;
const BINARY_COLLATION = /^(C|POSIX|C\.UTF-?8)$/i;

const DIALECT: SqlDialect = {
  maxParams: 65535,
  rowValueCompare: true,
  dataModifyingCtes: true,
  nullsFirst: (c: ColumnInfo) => (c.nullable ? ' NULLS FIRST' : ''),
  quoteIdent: quote,
  selectExpr: (c: ColumnInfo) => quote(c.name),
  // COLLATE "C": byte order of UTF-8, i.e. code-point order, the order of compareKeys. Columns whose collation
  // already sorts that way (C, POSIX, C.UTF-8) are left alone so that the index serves the keyset reads.
  keyExpr: (c: ColumnInfo) => (COLLATABLE.test(c.nativeType) && !BINARY_COLLATION.test(c.collation ?? '') ? `${quote(c.name)} COLLATE "C"` : quote(c.name)),
  keyEquals: (c: ColumnInfo) => ({ sql: `${quote(c.name)} = ?`, params: 1 }),
  // unnest($1::type[], ...): one array per column; array-typed and unknown columns fall back to VALUES (unnest
  // would flatten a 2-D array, and an unknown type name may not cast)
  columnarUpsertSql(table, columns, key) {
    if (columns.some((c) => c.type === 'unknown' || c.nativeType.endsWith(']'))) return undefined;
    const names = columns.map((c) => c.name);
    const rest = names.filter((c) => !key.includes(c));
    const action = rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}`;
    return `INSERT INTO ${quote(table)} (${names.map(quote).join(', ')}) SELECT * FROM unnest(${columns.map((c) => `?::${c.nativeType}[]`).join(', ')})`
      + ` ON CONFLICT (${key.map(quote).join(', ')}) ${action}`;
  },
  upsertSql(table, columns, key, rows) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const rest = columns.filter((c) => !key.includes(c));
    const action = rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}`;
    return `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`
      + ` ON CONFLICT (${key.map(quote).join(', ')}) ${action}`;
  },
};

interface Shared {
  readonly pool: pg.Pool;
  readonly cache: TableCache;
  readonly schema: string;
  savepoints: number;
}

type Queryable = pg.Pool | pg.PoolClient;

/**
 * PostgreSQL through a pg Pool. Sessions run with search_path = the configured schema (so raw SQL can name tables
 * without it), TimeZone = UTC and DateStyle = ISO (one text form for dates and instants).
 */
export class PostgresDatabase extends SqlDatabase {
  readonly dialect = 'postgres' as const;
  readonly capabilities: Capabilities = { dialect: 'postgres', transactionalDdl: true, logCapture: 'pgoutput', triggers: true, concurrentWriters: true, copyIn: true };
  protected readonly sql = DIALECT;
  protected readonly cache: TableCache;
  private finished = false;

  private constructor(private readonly shared: Shared, readonly displayUrl: string, private readonly client: pg.PoolClient | null) {
    super();
    this.cache = shared.cache;
  }

  static async open(url: string, displayUrl: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
    const u = new URL(url);
    const fromUrl = u.searchParams.get('schema') ?? u.searchParams.get('search_path')?.split(',')[0]?.trim();
    u.searchParams.delete('schema');
    u.searchParams.delete('search_path');
    const schema = options.schema ?? fromUrl ?? 'public';
    const pool = new pg.Pool({
      connectionString: u.toString(),
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      types: RAW_TEXT,
      options: `-c search_path=${quote(schema).replace(/([ \\])/g, '\\$1')} -c TimeZone=UTC -c DateStyle=ISO,YMD -c bytea_output=hex`,
      application_name: 'siphon',
      // idle pooled connections do not keep a finished CLI process alive
      allowExitOnIdle: true,
    });
    // an idle connection that dies emits here; the next query reports the problem to its caller
    pool.on('error', () => undefined);
    const db = new PostgresDatabase({ pool, cache: new TableCache(), schema, savepoints: 0 }, displayUrl, null);
    try {
      await pool.query('SELECT 1');
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new ConnectionError(displayUrl, e);
    }
    return db;
  }

  get schema(): string { return this.shared.schema; }

  protected async withSession<T>(atomic: boolean, fn: (s: Session) => Promise<T>): Promise<T> {
    if (this.finished) throw new BackendError('BACKEND_TX_FINISHED', 'this transaction handle was used after its transaction ended', {});
    if (this.client) return fn(this.session(this.client));
    if (!atomic) return fn(this.session(this.shared.pool));
    return this.inNewTransaction((c) => fn(this.session(c)));
  }

  private async inNewTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await withPgTransaction(this.shared.pool, fn, (e) => wrapDriverError(this.displayUrl, 'BEGIN', e), { lazyBegin: true });
    } catch (e) {
      throw wrapDriverError(this.displayUrl, 'transaction', e);
    }
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    if (this.client) {
      const sp = `siphon_sp_${++this.shared.savepoints}`;
      await this.client.query(`${takeBeginPending(this.client) ? 'BEGIN; ' : ''}SAVEPOINT ${sp}`);
      try {
        const out = await fn(this);
        await this.client.query(`RELEASE SAVEPOINT ${sp}`);
        return out;
      } catch (e) {
        await this.client.query(`ROLLBACK TO SAVEPOINT ${sp}`);
        throw e;
      }
    }
    return this.inNewTransaction(async (c) => {
      const tx = new PostgresDatabase(this.shared, this.displayUrl, c);
      try { return await fn(tx); } finally { tx.finished = true; }
    });
  }

  override async copyIn(table: string, columns: readonly ColumnInfo[], rows: readonly Row[], options: { readonly schema?: string } = {}): Promise<CopyInResult> {
    if (this.finished) throw new BackendError('BACKEND_TX_FINISHED', 'this transaction handle was used after its transaction ended', {});
    const run = async (c: pg.PoolClient) => {
      try { await flushBegin(c); return await copyRowsIn(c, table, columns, rows, options.schema); } catch (e) { throw wrapDriverError(this.displayUrl, `COPY ${table}`, e); }
    };
    return this.client ? run(this.client) : this.inNewTransaction(run);
  }

  protected introspect(_s: Session, name: string): Promise<TableInfo | undefined> { return postgresDescribe(this.catalog(), this.shared.schema, name); }
  protected tablesIn(): Promise<string[]> { return postgresTables(this.catalog(), this.shared.schema); }
  captureReadiness(): Promise<CaptureReadiness[]> { return postgresReadiness(this.catalog(), this.shared.schema); }

  async close(): Promise<void> {
    if (this.client) return;
    await this.shared.pool.end();
  }

  private catalog(): CatalogQuery {
    return async (sql, params) => (await this.raw(this.client ?? this.shared.pool, sql, [...params])).rows as (string | null)[][];
  }

  /**
   * A statement with `?` placeholders. The first one of a transaction whose BEGIN is pending carries it: one
   * simple-protocol message `BEGIN; statement` with the parameters inlined (lazy-begin.ts), when they can be.
   */
  private async send(q: Queryable, sql: string, values: (PostgresParam | PostgresParam[])[]): Promise<pg.QueryResult<unknown[]>> {
    if (q !== this.shared.pool && isBeginPending(q as pg.PoolClient)) {
      const inlined = inlineParams(sql, values);
      if (inlined !== undefined) {
        takeBeginPending(q as pg.PoolClient);
        // an error names the statement as written (placeholders), never the inlined values: they may be personal data
        const r = await this.raw(q, `BEGIN;\n${inlined}`, [], sql) as pg.QueryResult<unknown[]> | pg.QueryResult<unknown[]>[];
        return Array.isArray(r) ? r[r.length - 1]! : r;
      }
    }
    return this.raw(q, values.length ? toDollarPlaceholders(sql).sql : sql, values);
  }

  private async raw(q: Queryable, sql: string, values: (PostgresParam | PostgresParam[])[], shown = sql): Promise<pg.QueryResult<unknown[]>> {
    try {
      // anything else sent first in a lazily begun transaction (catalog reads, COPY…) sends BEGIN alone before it
      if (q !== this.shared.pool) await flushBegin(q as pg.PoolClient);
      return await q.query<unknown[]>({ text: sql, values, rowMode: 'array', types: RAW_TEXT });
    } catch (e) { throw wrapDriverError(this.displayUrl, shown, e); }
  }

  private session(q: Queryable): Session {
    const bind = (params: readonly Bound[]): (PostgresParam | PostgresParam[])[] => params.map((p) => {
      switch (p.kind) {
        case 'param': return postgresParam(p.param);
        case 'value': return toPostgres(p.value, p.column, p.table, p.purpose);
        case 'column': return p.values.map((v) => toPostgres(v, p.column, p.table, 'write'));
        default: return assertNever(p, 'parameter');
      }
    });
    return {
      readTable: async (sql, params, columns) => {
        const r = await this.send(q, sql, bind(params));
        return decodeRows(r.rows as (string | null)[][], columns.map((c) => c.name), columns.map((c) => postgresDecoder(c)));
      },
      query: async (sql, params) => {
        const r = await this.send(q, sql, bind(params));
        if (!r.fields) return [];
        return decodeRows(r.rows as (string | null)[][], r.fields.map((f) => f.name), r.fields.map((f) => postgresDecoder(postgresOidType(f.dataTypeID))));
      },
      run: async (sql, params) => (await this.send(q, sql, bind(params))).rowCount ?? 0,
      script: async (sql) => { await this.raw(q, sql, []); },
    };
  }
}
