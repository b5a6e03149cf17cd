import type {
  Capabilities, CaptureReadiness, ColumnInfo, CopyInResult, Database, Dialect, KeysetReadOptions, SqlParam, StreamOptions, TableInfo, UpsertWrite,
} from '../types.js';
import type { Row, Value } from '../../values/value.js';
import { keyToText } from '../../values/compare.js';
import { BackendError, ColumnNotFoundError, TableNotFoundError } from '../errors.js';
import type { Bound, Session, SqlDialect } from './session.js';
import { keysetWhere, keysMatch } from './keyset.js';

/** Rows per statement for writes, before the engine's parameter limit is applied. */
export const DEFAULT_WRITE_BATCH = 500;
const DEFAULT_STREAM_BATCH = 1000;

/** Introspection results shared by a database and its transaction handles; cleared by `execute` (DDL). */
export class TableCache {
  private readonly tables = new Map<string, TableInfo>();
  get(name: string): TableInfo | undefined { return this.tables.get(name); }
  set(name: string, info: TableInfo): void { this.tables.set(name, info); }
  clear(): void { this.tables.clear(); }
}

/**
 * The engine-independent half of every SQL adapter: keyset reads, streaming, batched upserts and deletes, raw
 * queries. An adapter supplies sessions (connections), its SQL dialect, introspection and transactions.
 */
export abstract class SqlDatabase implements Database {
  abstract readonly dialect: Dialect;
  abstract readonly capabilities: Capabilities;
  abstract readonly displayUrl: string;
  protected abstract readonly sql: SqlDialect;
  protected abstract readonly cache: TableCache;

  /** Run `fn` on a session; when `atomic`, inside a transaction (joined when this handle already is one). */
  protected abstract withSession<T>(atomic: boolean, fn: (s: Session) => Promise<T>): Promise<T>;
  /** The table's description, or undefined when it does not exist. */
  protected abstract introspect(s: Session, name: string): Promise<TableInfo | undefined>;
  protected abstract tablesIn(s: Session): Promise<string[]>;

  abstract transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  abstract captureReadiness(): Promise<CaptureReadiness[]>;
  abstract close(): Promise<void>;

  quoteIdent(name: string): string { return this.sql.quoteIdent(name); }

  listTables(): Promise<string[]> { return this.withSession(false, (s) => this.tablesIn(s)); }

  async describeTable(name: string, options?: { readonly fresh?: boolean }): Promise<TableInfo> {
    const cached = options?.fresh ? undefined : this.cache.get(name);
    if (cached) return cached;
    const info = await this.withSession(false, async (s) => {
      const found = await this.introspect(s, name);
      if (found) return found;
      throw new TableNotFoundError(name, await this.tablesIn(s), this.displayUrl);
    });
    this.cache.set(name, info);
    return info;
  }

  async countRows(table: string): Promise<number> {
    const info = await this.describeTable(table);
    const rows = await this.query(`SELECT COUNT(*) AS n FROM ${this.sql.quoteIdent(info.name)}`);
    const n = rows[0]?.n;
    return n !== null && typeof n === 'object' && n.t === 'int' ? Number(n.v) : Number(n);
  }

  async readPage(options: KeysetReadOptions): Promise<Row[]> {
    const info = await this.describeTable(options.table);
    const keyCols = pickColumns(info, options.key);
    if (keyCols.length === 0) throw new BackendError('BACKEND_NO_KEY', `reading ${info.name} by keyset needs at least one key column`, { table: info.name });
    const wanted = options.columns ? pickColumns(info, options.columns) : info.columns;
    // key columns are always read: the stream continues after the last key
    const cols = [...wanted, ...keyCols.filter((k) => !wanted.includes(k))];
    const params: Bound[] = [];
    const where: string[] = [];
    for (const [bound, op] of [[options.after, '>'], [options.until, '<=']] as const) {
      if (!bound) continue;
      if (bound.length !== keyCols.length) throw new BackendError('BACKEND_BAD_KEY', `${info.name}: key bound has ${bound.length} values, key ${options.key.join(', ')} has ${keyCols.length}`, { table: info.name });
      const w = keysetWhere(this.sql, keyCols, op, this.sql.rowValueCompare);
      where.push(`(${w.sql})`);
      for (const i of w.order) params.push({ kind: 'value', value: bound[i] ?? null, column: keyCols[i]!, table: info.name, purpose: 'match' });
    }
    const limit = Math.max(1, Math.floor(options.limit));
    // no aliases: in SQLite an alias named like the column would make ORDER BY sort the expression, not use the index
    const text = `SELECT ${cols.map((c) => this.sql.selectExpr(c)).join(', ')}`
      + ` FROM ${this.sql.quoteIdent(info.name)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`
      + ` ORDER BY ${keyCols.map((c) => this.sql.keyExpr(c) + this.sql.nullsFirst(c)).join(', ')} LIMIT ${limit}`;
    return this.withSession(false, (s) => s.readTable(text, params, cols));
  }

  async *streamRows(options: StreamOptions): AsyncIterable<Row[]> {
    const size = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_STREAM_BATCH));
    let after = options.after;
    for (;;) {
      const page = await this.readPage({ ...options, after, limit: size });
      if (page.length === 0) return;
      yield page;
      if (page.length < size) return;
      const last = page[page.length - 1]!;
      after = options.key.map((k) => last[k] ?? null);
      // (a, b) > (NULL, ...) is never true: the stream would end early and silently lose the rest
      const nul = options.key.find((k) => (last[k] ?? null) === null);
      if (nul !== undefined) {
        throw new BackendError('BACKEND_NULL_KEY', `${options.table}: key column ${nul} is NULL in a row; keyset reading needs a NOT NULL key (use the primary key or a NOT NULL unique key)`, { table: options.table, column: nul });
      }
    }
  }

  async readByKeys(table: string, key: readonly string[], keys: readonly (readonly Value[])[]): Promise<Row[]> {
    const info = await this.describeTable(table);
    const keyCols = pickColumns(info, key);
    const out: Row[] = [];
    const select = `SELECT ${info.columns.map((c) => this.sql.selectExpr(c)).join(', ')} FROM ${this.sql.quoteIdent(info.name)} WHERE `;
    await this.withSession(false, async (s) => {
      for (const chunk of chunks(keys, this.keysPerStatement(keyCols))) {
        const m = keysMatch(this.sql, keyCols, chunk, info.name);
        out.push(...await s.readTable(select + m.sql, m.params, info.columns));
      }
    });
    return out;
  }

  /** The rows of an upsert, deduplicated by key (later rows win) and grouped by column set (one statement shape each). */
  private async upsertGroups(table: string, key: readonly string[], rows: readonly Row[]) {
    const info = await this.describeTable(table);
    const keyCols = pickColumns(info, key);
    assertUniqueKey(info, key);
    // later rows win: the same key twice in one statement is an error on PostgreSQL and ambiguous elsewhere
    const byKey = new Map<string, Row>();
    for (const row of rows) byKey.set(keyToText(keyCols.map((c) => row[c.name] ?? null)), row);
    // rows with the same column set share a statement shape
    const groups = new Map<string, Row[]>();
    for (const row of byKey.values()) {
      const sig = Object.keys(row).join('\u0000');
      const g = groups.get(sig);
      if (g) g.push(row); else groups.set(sig, [row]);
    }
    return [...groups.values()].map((group) => {
      const cols = pickColumns(info, Object.keys(group[0]!));
      for (const k of keyCols) if (!cols.includes(k)) throw new BackendError('BACKEND_BAD_ROW', `${info.name}: upserted row lacks key column ${k.name}`, { table: info.name, column: k.name });
      return { info, cols, keyCols, rows: group, columnar: this.sql.columnarUpsertSql?.(info.name, cols, keyCols.map((c) => c.name)) };
    });
  }

  // Repeats upsertGroups' grouping on purpose: written through that helper (one await more before the session), the
  // SQLite capture test's writer hit SQLITE_BUSY in 3 runs of 3 (docs/AREAS/backends.md); this body passes 3 of 3.
  async upsert(table: string, key: readonly string[], rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const info = await this.describeTable(table);
    const keyCols = pickColumns(info, key);
    assertUniqueKey(info, key);
    // later rows win: the same key twice in one statement is an error on PostgreSQL and ambiguous elsewhere
    const byKey = new Map<string, Row>();
    for (const row of rows) byKey.set(keyToText(keyCols.map((c) => row[c.name] ?? null)), row);
    // rows with the same column set share a statement shape
    const groups = new Map<string, Row[]>();
    for (const row of byKey.values()) {
      const sig = Object.keys(row).join('\u0000');
      const g = groups.get(sig);
      if (g) g.push(row); else groups.set(sig, [row]);
    }
    // a single statement needs no transaction around it (autocommit is atomic): one round trip instead of three
    // (START TRANSACTION, the statement, COMMIT) for a watermark, a marker line, any one-statement upsert
    const single = groups.size === 1 && byKey.size <= Math.min(DEFAULT_WRITE_BATCH, Math.floor(this.sql.maxParams / Object.keys(rows[0]!).length));
    await this.withSession(!single, async (s) => {
      for (const group of groups.values()) {
        const cols = pickColumns(info, Object.keys(group[0]!));
        for (const k of keyCols) if (!cols.includes(k)) throw new BackendError('BACKEND_BAD_ROW', `${info.name}: upserted row lacks key column ${k.name}`, { table: info.name, column: k.name });
        const columnar = this.sql.columnarUpsertSql?.(info.name, cols, keyCols.map((c) => c.name));
        if (columnar) {
          for (const chunk of chunks(group, DEFAULT_WRITE_BATCH)) {
            await s.run(columnar, cols.map((c) => ({ kind: 'column', values: chunk.map((r) => r[c.name] ?? null), column: c, table: info.name })));
          }
          continue;
        }
        const per = Math.max(1, Math.min(DEFAULT_WRITE_BATCH, Math.floor(this.sql.maxParams / cols.length)));
        for (const chunk of chunks(group, per)) {
          const params: Bound[] = [];
          for (const row of chunk) for (const c of cols) params.push({ kind: 'value', value: row[c.name] ?? null, column: c, table: info.name, purpose: 'write' });
          await s.run(this.sql.upsertSql(info.name, cols.map((c) => c.name), keyCols.map((c) => c.name), chunk.length), params);
        }
      }
    });
  }

  /**
   * `Database.upsertWith`: where the dialect has data-modifying CTEs and every group a columnar upsert, ONE statement
   * (each upsert a CTE in front of `sql`'s own WITH list, its array parameters first); otherwise the upserts, then
   * `sql`, as separate statements in one transaction — the same effect, more round trips.
   */
  async upsertWith(writes: readonly UpsertWrite[], sql: string, params: readonly SqlParam[]): Promise<Row[]> {
    const groups = [];
    for (const w of writes) if (w.rows.length > 0) groups.push(...await this.upsertGroups(w.table, w.key, w.rows));
    const ctes = this.sql.dataModifyingCtes === true && /^\s*WITH\s/i.test(sql) && groups.every((g) => g.columnar !== undefined);
    if (!ctes) {
      return this.transaction(async (tx) => {
        for (const w of writes) await tx.upsert(w.table, w.key, w.rows);
        return tx.query(sql, params);
      });
    }
    const bound: Bound[] = [];
    const parts = groups.map((g, n) => {
      for (const c of g.cols) bound.push({ kind: 'column', values: g.rows.map((r) => r[c.name] ?? null), column: c, table: g.info.name });
      return `siphon_u${n} AS (${g.columnar!})`;
    });
    for (const p of params) bound.push({ kind: 'param', param: p });
    const text = parts.length === 0 ? sql : `WITH ${parts.join(',\n')},\n${sql.replace(/^\s*WITH\s/i, '')}`;
    return this.withSession(true, (s) => s.query(text, bound));
  }

  async deleteByKeys(table: string, key: readonly string[], keys: readonly (readonly Value[])[]): Promise<number> {
    if (keys.length === 0) return 0;
    const info = await this.describeTable(table);
    const keyCols = pickColumns(info, key);
    return this.withSession(true, async (s) => {
      let n = 0;
      for (const chunk of chunks(keys, this.keysPerStatement(keyCols))) {
        const m = keysMatch(this.sql, keyCols, chunk, info.name);
        n += await s.run(`DELETE FROM ${this.sql.quoteIdent(info.name)} WHERE ${m.sql}`, m.params);
      }
      return n;
    });
  }

  /** Engines without a bulk load protocol (`capabilities.copyIn` false): callers use `upsert`. */
  async copyIn(table: string, _columns: readonly ColumnInfo[], _rows: readonly Row[], _options?: { readonly schema?: string }): Promise<CopyInResult> {
    throw new BackendError('BACKEND_UNSUPPORTED', `${this.dialect} has no bulk load (copyIn) in Siphon: use upsert`, { table, dialect: this.dialect });
  }

  query(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    return this.withSession(false, (s) => s.query(sql, params.map((p) => ({ kind: 'param', param: p }))));
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    this.cache.clear();
    await this.withSession(false, async (s) => {
      if (params.length === 0) await s.script(sql);
      else await s.run(sql, params.map((p) => ({ kind: 'param', param: p })));
    });
    this.cache.clear();
  }

  private keysPerStatement(keyCols: readonly ColumnInfo[]): number {
    const perKey = keyCols.reduce((n, c) => n + this.sql.keyEquals(c).params, 0);
    return Math.max(1, Math.min(DEFAULT_WRITE_BATCH, Math.floor(this.sql.maxParams / Math.max(1, perKey))));
  }
}

export function pickColumns(info: TableInfo, names: readonly string[]): ColumnInfo[] {
  return names.map((n) => {
    const c = info.columns.find((x) => x.name === n);
    if (!c) throw new ColumnNotFoundError(info.name, n, info.columns.map((x) => x.name));
    return c;
  });
}

function assertUniqueKey(info: TableInfo, key: readonly string[]): void {
  const same = (k: readonly string[]) => k.length === key.length && k.every((x) => key.includes(x));
  if (same(info.primaryKey) || info.uniqueKeys.some(same)) return;
  throw new BackendError('BACKEND_NOT_A_UNIQUE_KEY',
    `${info.name}: upsert key (${key.join(', ')}) is neither the primary key (${info.primaryKey.join(', ') || 'none'}) nor a unique key`,
    { table: info.name, key: [...key] });
}

export function* chunks<T>(items: readonly T[], size: number): Iterable<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
