import type { ColumnInfo, Database, TableInfo } from '../backends/types.js';
import type { Logger } from '../observe/logger.js';
import type { DdlColumn } from '../log/change.js';
import { TablesWithoutKeyError } from './errors.js';
import { WATERMARK_TABLE } from './watermark.js';

/** A captured table: its shape and the columns that key its changes. */
export interface CapturedTable {
  readonly name: string;
  readonly info: TableInfo;
  /** Primary key, or the first unique key whose columns are all NOT NULL. */
  readonly key: readonly string[];
  readonly columns: ReadonlyMap<string, ColumnInfo>;
}

export interface UnknownTypeReport { readonly table: string; readonly column: string; readonly nativeType: string }

/** The key capture uses for a table, or null when it has none usable. */
export function captureKey(info: TableInfo): readonly string[] | null {
  if (info.primaryKey.length > 0) return info.primaryKey;
  const byName = new Map(info.columns.map((c) => [c.name, c]));
  for (const uk of info.uniqueKeys) if (uk.length > 0 && uk.every((c) => byName.get(c)?.nullable === false)) return uk;
  return null;
}

export function capturedTable(info: TableInfo): CapturedTable {
  const key = captureKey(info);
  if (!key) throw new TablesWithoutKeyError([info.name]);
  return { name: info.name, info, key, columns: new Map(info.columns.map((c) => [c.name, c])) };
}

/**
 * Describe every captured table (plus the watermark table). Tables without a usable key are refused all at once, with
 * the full list, so the operator fixes them in one go. Unknown column types are returned for reporting.
 */
export async function resolveTables(db: Database, tables: readonly string[], log?: Logger): Promise<{
  tables: Map<string, CapturedTable>; unknownTypes: UnknownTypeReport[];
  /** `table.column (native type)` list for status output, or null when every type is known. */
  unknownTypesSummary: string | null;
}> {
  const names = [...new Set([...tables, WATERMARK_TABLE])];
  const infos = await Promise.all(names.map((t) => db.describeTable(t)));
  const noKey = infos.filter((i) => captureKey(i) === null).map((i) => i.name);
  if (noKey.length > 0) throw new TablesWithoutKeyError(noKey);
  const out = new Map<string, CapturedTable>();
  const unknownTypes: UnknownTypeReport[] = [];
  for (const info of infos) {
    out.set(info.name, capturedTable(info));
    for (const c of info.columns) if (c.type === 'unknown') unknownTypes.push({ table: info.name, column: c.name, nativeType: c.nativeType });
  }
  // unknown types are captured as text: said once at start (log) and in every status
  for (const u of unknownTypes) log?.warn(u, `unknown column type ${u.nativeType} in ${u.table}.${u.column}: captured as text`);
  const unknownTypesSummary = unknownTypes.map((u) => `${u.table}.${u.column} (${u.nativeType})`).join(', ') || null;
  return { tables: out, unknownTypes, unknownTypesSummary };
}

/** The table's current shape, ignoring cached descriptions (DDL by other sessions must be seen). */
export function describeFresh(db: Database, name: string): Promise<TableInfo> {
  return db.describeTable(name, { fresh: true });
}

export function ddlColumns(info: TableInfo): DdlColumn[] {
  return info.columns.map((c) => ({ name: c.name, type: c.nativeType, nullable: c.nullable }));
}

/** What changed between two shapes of a table, in words; null when the column set and types are the same. */
export function describeShapeChange(before: TableInfo, after: TableInfo): string | null {
  const parts: string[] = [];
  const a = new Map(before.columns.map((c) => [c.name, c]));
  const b = new Map(after.columns.map((c) => [c.name, c]));
  for (const [n, c] of b) {
    const old = a.get(n);
    if (!old) parts.push(`column ${n} added (${c.nativeType})`);
    else if (old.nativeType.toLowerCase() !== c.nativeType.toLowerCase() || old.nullable !== c.nullable) {
      parts.push(`column ${n} changed from ${old.nativeType}${old.nullable ? '' : ' not null'} to ${c.nativeType}${c.nullable ? '' : ' not null'}`);
    }
  }
  for (const n of a.keys()) if (!b.has(n)) parts.push(`column ${n} dropped`);
  if (parts.length === 0 && before.columns.map((c) => c.name).join() !== after.columns.map((c) => c.name).join()) parts.push('columns reordered');
  if (before.primaryKey.join() !== after.primaryKey.join()) parts.push(`primary key changed from (${before.primaryKey.join(', ')}) to (${after.primaryKey.join(', ')})`);
  return parts.length > 0 ? parts.join('; ') : null;
}
