import type { Dialect } from '../../src/backends/types.js';

/**
 * The type-fidelity fixture: one table per engine with every column type the engine has, and rows holding each type
 * at its extremes and its odd values. Shared by the capture half (test/fidelity/capture-*.int.test.ts: SELECT and
 * every capture method must give the same value) and the dry-run/write half (the dry run's verdict must equal what a
 * real write into next does).
 *
 * Rows are column → SQL literal (text the engine parses, so bytes, zero dates and invalid encodings can be written
 * exactly); a column missing from a row is NULL. Each row says what it exercises.
 */
export interface FidelityColumn {
  readonly name: string;
  /** The column's DDL type text. */
  readonly sqlType: string;
  /** What the column is there to exercise. */
  readonly note?: string;
}

export interface FidelityRow {
  /** Primary key value (column `id`). */
  readonly id: number;
  readonly label: string;
  /** column → SQL literal; absent columns are NULL. */
  readonly values: Readonly<Record<string, string>>;
}

export interface FidelityTable {
  readonly dialect: Dialect;
  readonly table: string;
  readonly key: readonly string[];
  readonly columns: readonly FidelityColumn[];
  /** Statements creating the table (and the types it needs), in order. */
  readonly create: readonly string[];
  /**
   * Statements to run on the writing connection before the inserts (same session), e.g. MariaDB's sql_mode admitting
   * invalid dates. Empty when none.
   */
  readonly session: readonly string[];
  readonly rows: readonly FidelityRow[];
  /** One INSERT statement per row, in row order. */
  readonly inserts: readonly string[];
}

export function buildTable(
  dialect: Dialect, table: string, columns: readonly FidelityColumn[], rows: readonly FidelityRow[],
  options: { quote: (n: string) => string; createSuffix?: string; before?: readonly string[]; session?: readonly string[] },
): FidelityTable {
  const q = options.quote;
  const defs = [`${q('id')} INTEGER PRIMARY KEY`, ...columns.map((c) => `${q(c.name)} ${c.sqlType}`)];
  const create = [...(options.before ?? []), `CREATE TABLE ${q(table)} (${defs.join(', ')})${options.createSuffix ?? ''}`];
  const names = ['id', ...columns.map((c) => c.name)];
  for (const r of rows) {
    for (const k of Object.keys(r.values)) if (!names.includes(k)) throw new Error(`fixture ${dialect} row ${r.id}: no column ${k}`);
  }
  const inserts = rows.map((r) =>
    `INSERT INTO ${q(table)} (${names.map(q).join(', ')}) VALUES (${[String(r.id), ...columns.map((c) => r.values[c.name] ?? 'NULL')].join(', ')})`);
  return { dialect, table, key: ['id'], columns, create, session: options.session ?? [], rows, inserts };
}
