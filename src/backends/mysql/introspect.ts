import type { ColumnInfo, ForeignKeyInfo, TableInfo } from '../types.js';
import { mysqlLogicalType } from './types.js';
import { mysqlLimits } from '../sql/column-limits.js';

/** Runs a catalog query with `?` parameters; values arrive as text (or null). */
export type CatalogQuery = (sql: string, params: readonly string[]) => Promise<(string | null)[][]>;

export async function mysqlTables(q: CatalogQuery): Promise<string[]> {
  const rows = await q(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`, []);
  return rows.map((r) => r[0]!);
}

export async function mysqlDescribe(q: CatalogQuery, name: string): Promise<TableInfo | undefined> {
  const cols = await q(`SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE, CHARACTER_SET_NAME, COLLATION_NAME
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [name]);
  if (cols.length === 0) return undefined;
  const jsonCols = await jsonCheckedColumns(q, name);
  const columns: ColumnInfo[] = cols.map(([col, dataType, columnType, nullable, precision, scale, charset, collation]) => {
    const type = mysqlLogicalType(dataType!, columnType!, jsonCols.has(col!));
    return {
      name: col!, type, nativeType: columnType!, nullable: nullable === 'YES',
      ...(type === 'dec' && precision !== null ? { precision: Number(precision), scale: Number(scale ?? 0) } : {}),
      ...mysqlLimits(dataType!, columnType!),
      ...(charset ? { charset } : {}),
      ...(collation ? { collation } : {}),
    };
  });
  const idx = await q(`SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`, [name]);
  const byIndex = new Map<string, { cols: string[]; prefix: boolean }>();
  for (const [index, col, subPart] of idx) {
    const e = byIndex.get(index!) ?? { cols: [], prefix: false };
    e.cols.push(col!);
    if (subPart !== null) e.prefix = true;
    byIndex.set(index!, e);
  }
  const primaryKey = byIndex.get('PRIMARY')?.cols ?? [];
  // a prefix index (col(10)) is unique on the prefix only: not a key of the full values
  const uniqueKeys = [...byIndex].filter(([n, e]) => n !== 'PRIMARY' && !e.prefix).map(([, e]) => e.cols);
  const fkRows = await q(`SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION`, [name]);
  const fks = new Map<string, { columns: string[]; refTable: string; refColumns: string[] }>();
  for (const [cn, col, ref, refCol] of fkRows) {
    const f = fks.get(cn!) ?? { columns: [], refTable: ref!, refColumns: [] };
    f.columns.push(col!); f.refColumns.push(refCol!);
    fks.set(cn!, f);
  }
  const foreignKeys: ForeignKeyInfo[] = [...fks].map(([n, f]) => ({ name: n, ...f }));
  return { name, columns, primaryKey, uniqueKeys, foreignKeys };
}

/** MariaDB's JSON columns: LONGTEXT with a CHECK (json_valid(`col`)) constraint. MySQL has a real JSON type. */
async function jsonCheckedColumns(q: CatalogQuery, table: string): Promise<Set<string>> {
  try {
    const rows = await q(`SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?`, [table]);
    const out = new Set<string>();
    for (const [clause] of rows) {
      const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec((clause ?? '').trim());
      if (m) out.add(m[1]!.replace(/``/g, '`'));
    }
    return out;
  } catch {
    return new Set(); // MySQL: CHECK_CONSTRAINTS has no TABLE_NAME; its JSON columns have DATA_TYPE json anyway
  }
}
