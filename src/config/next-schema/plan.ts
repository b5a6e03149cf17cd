import type { ColumnInfo, Database, TableInfo } from '../../backends/types.js';
import { canonicalJson } from '../../values/construct.js';
import { rowToPlain, type PlainRow } from '../../values/plain.js';
import { applyCleaning } from '../cleaning/step.js';
import { bitsToPlain } from '../legacy-plain.js';
import { mapRow } from '../map-row.js';
import type { ResolvedConfig, ResolvedTable } from '../types.js';
import { nextColumnType } from './column-type.js';
import { plannedColumn } from './planned-column.js';
import { zodColumnHint, zodFields } from './zod-type.js';

export type SchemaDialect = 'postgres' | 'sqlite';

export interface PlannedColumn {
  readonly column: ColumnInfo;
  /** Where the type comes from: `legacy CLIENT.CLI_ID int(11)`, `zod number (int)`, `observed values`... */
  readonly source: string;
}

export interface PlannedTable {
  readonly name: string;
  /** The legacy tables whose mappings write it. */
  readonly from: readonly string[];
  readonly columns: readonly PlannedColumn[];
  /** Empty when no key could be found (a note says so). */
  readonly primaryKey: readonly string[];
  readonly notes: readonly string[];
}

export interface SchemaPlan {
  readonly dialect: SchemaDialect;
  readonly tables: readonly PlannedTable[];
}

const kind = (v: unknown): string => (v === null || v === undefined ? 'null' : Buffer.isBuffer(v) ? 'bytes' : typeof v === 'bigint' ? 'number' : typeof v);

/** Legacy rows read per mapped table to see which legacy column each next column copies. */
export const PROVENANCE_ROWS = 200;

const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    try { return canonicalJson(a) === canonicalJson(b); } catch { return false; }
  }
  return false;
};

/**
 * Which legacy column each output field copies: runs the mapping on the first legacy rows and keeps, per field, the
 * legacy columns whose value (raw or cleaned) equals the field's in every row where the field is not null. The type
 * of that column then gives the next column's type (a decimal stays numeric(p,s) though zod only says string).
 */
async function provenance(legacy: Database, t: ResolvedTable, info: TableInfo, timezone: string | undefined): Promise<Map<string, Map<string, ColumnInfo | null>>> {
  const found = new Map<string, Map<string, Set<ColumnInfo>>>();
  let read = 0;
  for await (const batch of legacy.streamRows({ table: t.name, key: t.key, batchSize: PROVENANCE_ROWS })) {
    for (const row of batch) {
      const plain = bitsToPlain(rowToPlain(row), info);
      let cleaned: PlainRow = plain;
      try { cleaned = applyCleaning(t.clean, plain, { table: t.name, ...(timezone ? { timezone } : {}) }); } catch { /* the raw values still count */ }
      const r = mapRow(t, plain, { legacy: info, ...(timezone ? { timezone } : {}) });
      if (!r.ok) continue;
      for (const [next, rows] of Object.entries(r.rows)) {
        const byField = found.get(next) ?? new Map<string, Set<ColumnInfo>>();
        found.set(next, byField);
        for (const out of rows) {
          for (const [field, v] of Object.entries(out)) {
            if (v === null || v === undefined) continue;
            const cands = byField.get(field) ?? new Set(info.columns);
            // a cleaned value counts only when cleaning kept its kind (trim: yes; a codeMap turning 1 into 'active': no)
            for (const c of [...cands]) {
              if (!same(v, plain[c.name]) && !(same(v, cleaned[c.name]) && kind(cleaned[c.name]) === kind(plain[c.name]))) cands.delete(c);
            }
            byField.set(field, cands);
          }
        }
      }
    }
    read += batch.length;
    if (read >= PROVENANCE_ROWS) break;
  }
  const out = new Map<string, Map<string, ColumnInfo | null>>();
  for (const [next, byField] of found) {
    const m = new Map<string, ColumnInfo | null>();
    for (const [field, cands] of byField) {
      const list = [...cands];
      m.set(field, list.find((c) => c.name.toLowerCase() === field.toLowerCase()) ?? list[0] ?? null);
    }
    out.set(next, m);
  }
  return out;
}

/**
 * The next schema the mappings imply: one table per next table named in `schemas`, one column per field of its zod
 * object schema, typed by the legacy column it copies (found on real rows), else by the zod type; nullable when the
 * zod field is, keyed by `nextKeys`, else by the fields that copy the legacy key, else by `id`.
 */
export async function planNextSchema(config: ResolvedConfig, legacy: Database, dialect: SchemaDialect): Promise<SchemaPlan> {
  const tables = new Map<string, { from: string[]; columns: Map<string, PlannedColumn>; key: string[]; notes: string[] }>();
  for (const t of Object.values(config.tables)) {
    const info = await legacy.describeTable(t.name);
    const prov = await provenance(legacy, t, info, config.legacy.timezone);
    for (const [next, schema] of Object.entries(t.schemas)) {
      const entry = tables.get(next) ?? { from: [], columns: new Map<string, PlannedColumn>(), key: [], notes: [] };
      tables.set(next, entry);
      entry.from.push(t.name);
      const fields = zodFields(schema);
      if (!fields) { entry.notes.push(`tables.${t.name}.schemas.${next} is not a z.object(): its columns cannot be planned`); continue; }
      const copies = prov.get(next) ?? new Map<string, ColumnInfo | null>();
      for (const [field, fieldSchema] of Object.entries(fields)) {
        if (entry.columns.has(field)) continue;
        const hint = zodColumnHint(fieldSchema);
        const src = copies.get(field) ?? undefined;
        let ddl: string, source: string;
        // a BIT column reaches mappings as a number (legacy-plain.ts)
        const srcType = src && /^bit\b/i.test(src.nativeType) ? 'int' : src?.type;
        if (src && (hint.type === undefined || hint.type === srcType || hint.type === 'text' || (hint.type === 'float' && srcType === 'int'))) {
          ddl = nextColumnType(src, dialect);
          source = `legacy ${t.name}.${src.name} ${src.nativeType}`;
        } else if (hint.type) {
          ddl = nextColumnType({ name: field, type: hint.type, nativeType: hint.zod, nullable: hint.nullable, ...(hint.maxLength !== undefined ? { maxLength: hint.maxLength } : {}), ...(hint.fixedLength ? { fixedLength: true } : {}) }, dialect);
          source = `zod ${hint.zod}`;
        } else {
          ddl = dialect === 'postgres' ? 'text' : 'TEXT';
          source = `zod ${hint.zod}: no type known, text by default (review it)`;
        }
        entry.columns.set(field, { column: plannedColumn(field, ddl, hint.nullable, dialect), source });
      }
      if (entry.key.length === 0) {
        const explicit = t.nextKeys[next];
        const fromLegacyKey = t.key.map((k) => [...copies].find(([, c]) => c?.name === k)?.[0]);
        if (explicit) entry.key.push(...explicit);
        else if (fromLegacyKey.every((f): f is string => f !== undefined)) entry.key.push(...fromLegacyKey);
        else if (fields.id) entry.key.push('id');
      }
    }
  }
  return {
    dialect,
    tables: [...tables].map(([name, e]) => {
      const key = e.key.filter((k) => e.columns.has(k));
      const notes = [...e.notes];
      if (key.length === 0) notes.push(`no key found for ${name}: name its key columns in nextKeys.${name} and add a PRIMARY KEY before applying`);
      const columns = [...e.columns.values()].map((p) => (key.includes(p.column.name) ? { ...p, column: { ...p.column, nullable: false } } : p));
      return { name, from: e.from, columns, primaryKey: key, notes };
    }),
  };
}
