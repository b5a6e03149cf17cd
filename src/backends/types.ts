import type { LogicalType } from '../values/logical-type.js';
import type { Row, Value } from '../values/value.js';

/** The engines Siphon speaks to. Differences between them are capability flags, not `if (dialect)` in callers. */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export interface ColumnInfo {
  readonly name: string;
  readonly type: LogicalType;
  /** The engine's own type text, e.g. `decimal(12,2)`, `character varying(40)`, `TEXT`. */
  readonly nativeType: string;
  readonly nullable: boolean;
  readonly precision?: number;
  readonly scale?: number;
  /**
   * Limits the engine enforces (or silently applies) on write, so that a value that would not be stored unchanged is
   * refused before the statement (`src/backends/sql/fit.ts`), by the write and by the dry run alike.
   * `maxLength`: characters of a varchar(n)/char(n) (bytes of a binary(n)/varbinary(n)); `fixedLength`: char(n) or
   * binary(n), which pad; `integerBytes`/`unsigned`: the integer's width; `floatBits`: 32 for real/float4/FLOAT.
   */
  readonly maxLength?: number;
  readonly fixedLength?: boolean;
  readonly integerBytes?: 1 | 2 | 3 | 4 | 8;
  readonly unsigned?: boolean;
  readonly floatBits?: 32 | 64;
  /** MariaDB/MySQL text columns: the column's character set (latin1, utf8mb4...). */
  readonly charset?: string;
  /**
   * Text columns: the column's collation (PostgreSQL: the resolved name, e.g. `C.UTF-8` for the database default;
   * MariaDB: e.g. `utf8mb4_general_ci`; SQLite: `BINARY`, `NOCASE`...). Adapters use it to read keys in binary order
   * without defeating the index when the collation already is binary.
   */
  readonly collation?: string;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  /** Primary key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Unique keys (not the primary key), each in key order. NOT NULL unique keys can stand in for a primary key. */
  readonly uniqueKeys: readonly (readonly string[])[];
  /**
   * Foreign keys declared on this table (absent when the adapter did not read them). Apply orders writes
   * parent-first and deletes child-first from them.
   */
  readonly foreignKeys?: readonly ForeignKeyInfo[];
}

/** A foreign key: `columns` of this table reference `refColumns` of `refTable` (same order). */
export interface ForeignKeyInfo {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
}

export interface Capabilities {
  readonly dialect: Dialect;
  /** DDL inside a transaction rolls back with it (PostgreSQL, SQLite). */
  readonly transactionalDdl: boolean;
  /** Log-based capture the engine offers: MariaDB binary log, PostgreSQL logical decoding. */
  readonly logCapture: 'binlog' | 'pgoutput' | null;
  /** Triggers can record row changes into a change table. */
  readonly triggers: boolean;
  /** Several connections can write concurrently (SQLite: one writer). */
  readonly concurrentWriters: boolean;
  /** `copyIn` streams rows with the engine's bulk load protocol (PostgreSQL COPY); false: it throws, use upsert. */
  readonly copyIn: boolean;
}

/** What `copyIn` did: rows whose values cannot be written to the columns are not sent, and named here. */
export interface CopyInResult {
  /** Rows the engine took. */
  readonly copied: number;
  /** Rows refused before sending (by index in the rows given), with the reason (a ValueError / WriteValueError). */
  readonly refused: readonly { readonly index: number; readonly error: Error }[];
}

/** What `siphon check` reports about capture on a database. */
export interface CaptureReadiness {
  readonly method: 'binlog' | 'pgoutput' | 'trigger';
  readonly ready: boolean;
  /** What is wrong and how to fix it, one line each. Empty when ready. */
  readonly problems: readonly string[];
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface KeysetReadOptions {
  readonly table: string;
  /** Key columns, in order. Reads are ordered by them (binary collation for text, so the order matches compareKeys). */
  readonly key: readonly string[];
  /** Exclusive lower bound: rows with key > after. */
  readonly after?: readonly Value[];
  /** Inclusive upper bound: rows with key <= until. */
  readonly until?: readonly Value[];
  readonly limit: number;
  /** Columns to read; all when absent. */
  readonly columns?: readonly string[];
}

export interface StreamOptions extends Omit<KeysetReadOptions, 'limit'> {
  /** Rows per batch (default 1000). */
  readonly batchSize?: number;
}

/** A raw SQL parameter: plain JS scalars, or a canonical value (converted by the adapter). */
/** One table's rows for `Database.upsertWith`. */
export interface UpsertWrite { readonly table: string; readonly key: readonly string[]; readonly rows: readonly Row[] }

export type SqlParam = Value | number | bigint | Uint8Array | Date;

/**
 * One database, any engine. Every method speaks canonical values; driver types never pass this boundary.
 * Methods that write run in one transaction each, unless called on the handle given by `transaction()`.
 */
export interface Database {
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  /** Connection URL with the password replaced by `***`. */
  readonly displayUrl: string;

  listTables(): Promise<string[]>;
  /**
   * Throws TableNotFoundError (with the tables that do exist) when absent. Descriptions are cached (dropped on every
   * `execute()`); `fresh: true` reads the catalog again, to see DDL made by other sessions (legacy apps, DBAs).
   */
  describeTable(name: string, options?: { readonly fresh?: boolean }): Promise<TableInfo>;
  countRows(table: string): Promise<number>;

  /** One keyset page in key order. */
  readPage(options: KeysetReadOptions): Promise<Row[]>;
  /** Keyset-paginated stream of batches in key order; memory is bounded by one batch. */
  streamRows(options: StreamOptions): AsyncIterable<Row[]>;
  /** Rows whose key is one of `keys` (any order). */
  readByKeys(table: string, key: readonly string[], keys: readonly (readonly Value[])[]): Promise<Row[]>;

  /** Insert or replace rows by `key` (must be a primary or unique key), in batches, in one transaction. */
  upsert(table: string, key: readonly string[], rows: readonly Row[]): Promise<void>;
  /**
   * The upserts of `writes` (as `upsert`) and then `sql` (a `WITH …` statement with `?` parameters), returning sql's
   * rows. On PostgreSQL one statement — each upsert a data-modifying CTE — so one round trip instead of one per table
   * and column set. The CTEs cannot see each other's rows, but constraint checks (foreign keys included) run at the
   * end of the statement and see all of them; `sql` must not read what the upserts write. Elsewhere: the upserts,
   * then sql, in one transaction (optional: test doubles may leave it out; callers then upsert and query themselves).
   */
  upsertWith?(writes: readonly UpsertWrite[], sql: string, params: readonly SqlParam[]): Promise<Row[]>;
  /** Delete rows by key, in batches, in one transaction. Returns the number deleted. */
  deleteByKeys(table: string, key: readonly string[], keys: readonly (readonly Value[])[]): Promise<number>;

  /**
   * Bulk-load rows into `table` (plain INSERT semantics, no conflict handling: meant for staging tables, temporary
   * ones included, hence the columns are given rather than introspected). Only where `capabilities.copyIn`.
   * `options.schema`: a table outside the connection's schema (apply's `siphon` tables).
   */
  copyIn(table: string, columns: readonly ColumnInfo[], rows: readonly Row[], options?: { readonly schema?: string }): Promise<CopyInResult>;

  /** Run `fn` in a transaction; the handle it gets runs every call inside it. Commits when `fn` resolves. */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;

  /** Raw SQL with positional `?` placeholders (rewritten for the engine). Result columns become canonical values. */
  query(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** Raw SQL, one or more statements, no result. For DDL and scripts. */
  execute(sql: string, params?: readonly SqlParam[]): Promise<void>;
  quoteIdent(name: string): string;

  captureReadiness(): Promise<CaptureReadiness[]>;
  close(): Promise<void>;
}
