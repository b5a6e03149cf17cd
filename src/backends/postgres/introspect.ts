import type { ColumnInfo, ForeignKeyInfo, TableInfo } from '../types.js';
import { postgresLogicalType } from './values.js';
import { postgresLimits } from '../sql/column-limits.js';

/** Runs a catalog query: every value arrives as text (or null), as with all queries of this adapter. */
export type CatalogQuery = (sql: string, params: readonly string[]) => Promise<(string | null)[][]>;

export async function postgresTables(q: CatalogQuery, schema: string): Promise<string[]> {
  const rows = await q(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname COLLATE "C"`, [schema]);
  return rows.map((r) => r[0]!);
}

/** Columns from pg_attribute (domains resolved to their base type), keys from pg_index. */
export async function postgresDescribe(q: CatalogQuery, schema: string, name: string): Promise<TableInfo | undefined> {
  const cols = await q(`SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
      COALESCE(bt.typname, t.typname), COALESCE(bt.typtype, t.typtype)::text,
      (CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)::text,
      -- the collation that orders this column: the database's own for "default"; 'icu:...' when ICU sorts it
      CASE WHEN a.attcollation = 0 THEN NULL
        WHEN co.collname = 'default' THEN (SELECT CASE WHEN COALESCE(to_jsonb(d)->>'datlocprovider', 'c') = 'c' THEN d.datcollate::text ELSE 'icu:' || d.datcollate END
          FROM pg_database d WHERE d.datname = current_database())
        WHEN co.collprovider = 'c' THEN COALESCE(to_jsonb(co)->>'collcollate', co.collname::text)
        ELSE co.collprovider::text || ':' || co.collname END
    FROM pg_attribute a
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
    WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum`, [schema, name]);
  if (cols.length === 0) return undefined;
  const columns: ColumnInfo[] = cols.map(([attname, native, notnull, typname, typtype, typmod, collation]) => {
    const type = postgresLogicalType(typname!, typtype!);
    const mod = Number(typmod);
    const ps = type === 'dec' && mod >= 4 ? { precision: ((mod - 4) >> 16) & 0xffff, scale: (mod - 4) & 0xffff } : {};
    return { name: attname!, type, nativeType: native!, nullable: notnull !== 'true', ...ps, ...postgresLimits(typname!, mod), ...(collation ? { collation } : {}) };
  });
  const keys = await q(`SELECT i.indisprimary::text,
      (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)::text
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = $2 AND (i.indisprimary OR i.indisunique)
      AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid
    ORDER BY i.indisprimary DESC, i.indexrelid`, [schema, name]);
  let primaryKey: string[] = [];
  const uniqueKeys: string[][] = [];
  for (const [primary, list] of keys) {
    const names = JSON.parse(list ?? '[]') as string[];
    if (primary === 'true') primaryKey = names; else uniqueKeys.push(names);
  }
  const fks = await q(`SELECT con.conname,
      (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)::text,
      rc.relname,
      (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)::text
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_class rc ON rc.oid = con.confrelid
    WHERE con.contype = 'f' AND n.nspname = $1 AND c.relname = $2
    ORDER BY con.conname`, [schema, name]);
  const foreignKeys: ForeignKeyInfo[] = fks.map(([conname, cols, ref, refCols]) => ({
    name: conname!, columns: JSON.parse(cols ?? '[]') as string[], refTable: ref!, refColumns: JSON.parse(refCols ?? '[]') as string[],
  }));
  return { name, columns, primaryKey, uniqueKeys, foreignKeys };
}
