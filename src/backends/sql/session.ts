import type { ColumnInfo, SqlParam } from '../types.js';
import type { Row, Value } from '../../values/value.js';

/**
 * A parameter on its way to the driver. Values bound for a known column are encoded for that column's type
 * (`purpose: 'write'` rejects `invalid` values; `'match'` turns them back into the source's raw form so that a row
 * read with an invalid key can still be found again). Raw `query()` parameters are encoded by their own kind.
 */
export type Bound =
  | { readonly kind: 'value'; readonly value: Value; readonly column: ColumnInfo; readonly table: string; readonly purpose: 'write' | 'match' }
  | { readonly kind: 'param'; readonly param: SqlParam }
  /** One value per row for a column: an array parameter (PostgreSQL `unnest` upserts). */
  | { readonly kind: 'column'; readonly values: readonly Value[]; readonly column: ColumnInfo; readonly table: string };

/** One connection (or a pool for single statements), seen through `?` placeholders and canonical values. */
export interface Session {
  /** Rows of a table read; the i-th selected expression is decoded for `columns[i]`. */
  readTable(sql: string, params: readonly Bound[], columns: readonly ColumnInfo[]): Promise<Row[]>;
  /** Arbitrary SQL; result columns are decoded from the driver's field metadata. */
  query(sql: string, params: readonly Bound[]): Promise<Row[]>;
  /** A statement without a result; returns the number of affected rows. */
  run(sql: string, params: readonly Bound[]): Promise<number>;
  /** One or more statements without parameters (DDL, scripts). */
  script(sql: string): Promise<void>;
}

/** The SQL differences between engines that the shared keyset/batch code needs. */
export interface SqlDialect {
  /** Most parameters one statement may carry. */
  readonly maxParams: number;
  /** `(a, b) > (?, ?)` uses the index on this engine; otherwise the expanded OR form is generated. */
  readonly rowValueCompare: boolean;
  quoteIdent(name: string): string;
  /** Select-list expression reading a column (e.g. a CAST that keeps decimals exact). */
  selectExpr(column: ColumnInfo): string;
  /** Expression ordering/comparing a key column in binary order (the order of `compareKeys`). */
  keyExpr(column: ColumnInfo): string;
  /**
   * Appended to an ORDER BY key so that NULL sorts first, as in compareKeys (PostgreSQL: ` NULLS FIRST` on nullable
   * columns only: on a NOT NULL column it would keep the planner from using the ascending index).
   */
  nullsFirst(column: ColumnInfo): string;
  /** Exact equality of a key column with one `?` parameter, binary for text. */
  keyEquals(column: ColumnInfo): { readonly sql: string; readonly params: number };
  /**
   * Optional columnar upsert: one array parameter (`kind: 'column'`) per column instead of one per value, so the
   * statement text does not grow with the batch (PostgreSQL parses and plans it once per shape). Undefined when the
   * engine or these columns cannot do it; the multi-row VALUES form is used then.
   */
  columnarUpsertSql?(table: string, columns: readonly ColumnInfo[], key: readonly string[]): string | undefined;
  /**
   * Data-modifying statements may be CTEs of one statement (`WITH a AS (INSERT …) …`; PostgreSQL): `upsertWith` then
   * sends the upserts and the caller's statement as one.
   */
  readonly dataModifyingCtes?: boolean;
  /** Multi-row upsert statement with `?` placeholders for `rows` rows of `columns`. */
  upsertSql(table: string, columns: readonly string[], key: readonly string[], rows: number): string;
}
