import type BetterSqlite3 from 'better-sqlite3';
import type { ColumnInfo, ForeignKeyInfo, TableInfo } from '../types.js';
import { precisionScale, sqliteLogicalType } from './types.js';

interface XInfo { cid: number; name: string; type: string; notnull: number; pk: number; hidden: number }
interface IndexList { name: string; unique: number; origin: string; partial: number }
interface FkRow { id: number; seq: number; table: string; from: string; to: string | null }
interface IndexInfo { seqno: number; cid: number; name: string | null; coll: string | null; key: number }

export function sqliteTables(db: BetterSqlite3.Database): string[] {
  const rows = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`).all() as { name: string }[];
  return rows.map((r) => r.name);
}

/** Columns, primary key and unique keys from the PRAGMAs. Table names are case-insensitive in SQLite. */
export function sqliteDescribe(db: BetterSqlite3.Database, name: string): TableInfo | undefined {
  const found = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE`).get(name) as { name: string } | undefined;
  if (!found) return undefined;
  const q = `"${found.name.replace(/"/g, '""')}"`;
  const xinfo = (db.prepare(`PRAGMA table_xinfo(${q})`).all() as XInfo[]).filter((c) => c.hidden !== 1);
  const indexes = (db.prepare(`PRAGMA index_list(${q})`).all() as IndexList[]).map((idx) => ({
    ...idx, cols: (db.prepare(`PRAGMA index_xinfo("${idx.name.replace(/"/g, '""')}")`).all() as IndexInfo[]).filter((c) => c.key === 1).sort((a, b) => a.seqno - b.seqno),
  }));
  // SQLite exposes a column's collation only through the indexes on it; that is where key reads need it
  const collations = new Map<string, string>();
  for (const idx of indexes) for (const c of idx.cols) if (c.name !== null && c.coll && !collations.has(c.name)) collations.set(c.name, c.coll);
  const columns: ColumnInfo[] = xinfo.map((c) => {
    const type = sqliteLogicalType(c.type);
    const ps = type === 'dec' ? precisionScale(c.type) : {};
    // an INTEGER PRIMARY KEY is the rowid: never NULL even when not declared NOT NULL
    const rowid = c.pk > 0 && c.type.toUpperCase() === 'INTEGER';
    const coll = collations.get(c.name);
    return { name: c.name, type, nativeType: c.type, nullable: c.notnull === 0 && !rowid, ...ps, ...(coll ? { collation: coll } : {}) };
  });
  const primaryKey = xinfo.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const uniqueKeys: string[][] = [];
  for (const idx of indexes) {
    if (idx.unique !== 1 || idx.origin === 'pk' || idx.partial === 1) continue;
    if (idx.cols.some((c) => c.name === null)) continue; // expression index: not a column key
    uniqueKeys.push(idx.cols.map((c) => c.name!));
  }
  // PRAGMA foreign_key_list: one line per column; `to` is NULL when the reference names the parent's primary key
  const byId = new Map<number, FkRow[]>();
  for (const r of db.prepare(`PRAGMA foreign_key_list(${q})`).all() as FkRow[]) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const foreignKeys: ForeignKeyInfo[] = [...byId.entries()].sort((a, b) => a[0] - b[0]).map(([id, rows]) => {
    rows.sort((a, b) => a.seq - b.seq);
    const refTable = rows[0]!.table;
    let refColumns = rows.map((r) => r.to);
    if (refColumns.some((c) => c === null)) {
      const parent = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE`).get(refTable) as { name: string } | undefined;
      const pk = parent ? (db.prepare(`PRAGMA table_info("${parent.name.replace(/"/g, '""')}")`).all() as { name: string; pk: number }[]).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name) : [];
      refColumns = pk;
    }
    return { name: `fk_${found.name}_${id}`, columns: rows.map((r) => r.from), refTable, refColumns: refColumns as string[] };
  });
  return { name: found.name, columns, primaryKey, uniqueKeys, foreignKeys };
}
