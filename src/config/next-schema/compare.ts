import type { ColumnInfo, TableInfo } from '../../backends/types.js';
import type { PlannedTable, SchemaPlan } from './plan.js';

/** One difference between next's actual schema and what the mappings produce, named by table and column. */
export interface SchemaMismatch {
  readonly table: string;
  readonly column?: string;
  readonly kind: 'missing-table' | 'missing-column' | 'type' | 'too-narrow' | 'nullability' | 'not-produced' | 'key';
  readonly message: string;
}

const isText = (c: ColumnInfo) => c.type === 'text' || c.type === 'unknown';

/** Why the actual column cannot hold every value of the planned one, or undefined when it can. */
function columnMismatch(table: string, planned: ColumnInfo, actual: ColumnInfo): SchemaMismatch | undefined {
  const at = `${table}.${planned.name}`;
  const mk = (kind: SchemaMismatch['kind'], why: string): SchemaMismatch => ({ table, column: planned.name, kind, message: `${at}: ${why}` });
  const typeOk = planned.type === actual.type || (planned.type === 'int' && actual.type === 'dec') || (isText(planned) && isText(actual));
  if (!typeOk) return mk('type', `next has ${actual.nativeType} (${actual.type}), the mappings produce ${planned.type} values (planned ${planned.nativeType})`);
  if (planned.nullable && !actual.nullable) return mk('nullability', `next's column is NOT NULL, the mappings produce NULLs (planned ${planned.nativeType} NULL)`);
  if (isText(planned) && actual.maxLength !== undefined && (planned.maxLength === undefined || planned.maxLength > actual.maxLength)) {
    return mk('too-narrow', `next has ${actual.nativeType}, shorter than the values the mappings produce (planned ${planned.nativeType})`);
  }
  if (planned.type === 'int' && actual.type === 'int' && (actual.integerBytes ?? 8) < (planned.integerBytes ?? 8)) {
    return mk('too-narrow', `next has ${actual.nativeType}, narrower than the integers the mappings produce (planned ${planned.nativeType})`);
  }
  if (planned.type === 'dec' && actual.precision !== undefined && actual.scale !== undefined) {
    const p = planned.precision, s = planned.scale ?? 0;
    if (p === undefined || actual.scale < s || actual.precision - actual.scale < p - s) {
      return mk('too-narrow', `next has ${actual.nativeType}, which cannot hold every decimal the mappings produce (planned ${planned.nativeType})`);
    }
  }
  if (planned.type === 'int' && actual.type === 'dec' && actual.scale === 0 && actual.precision !== undefined && actual.precision < 19) {
    return mk('too-narrow', `next has ${actual.nativeType}, narrower than the integers the mappings produce (planned ${planned.nativeType})`);
  }
  if (planned.type === 'float' && actual.floatBits === 32 && planned.floatBits !== 32) {
    return mk('too-narrow', `next has ${actual.nativeType} (single precision), the mappings produce doubles (planned ${planned.nativeType})`);
  }
  return undefined;
}

function tableMismatches(p: PlannedTable, actual: TableInfo): SchemaMismatch[] {
  const out: SchemaMismatch[] = [];
  const byName = new Map(actual.columns.map((c) => [c.name, c]));
  for (const { column } of p.columns) {
    const a = byName.get(column.name);
    if (!a) { out.push({ table: p.name, column: column.name, kind: 'missing-column', message: `${p.name}.${column.name}: missing in next (planned ${column.nativeType})` }); continue; }
    const m = columnMismatch(p.name, column, a);
    if (m) out.push(m);
  }
  const produced = new Set(p.columns.map((c) => c.column.name));
  for (const a of actual.columns) {
    if (!a.nullable && !produced.has(a.name)) out.push({ table: p.name, column: a.name, kind: 'not-produced', message: `${p.name}.${a.name}: NOT NULL in next, and no mapping produces it (every insert fails unless it has a default)` });
  }
  const sameKey = (k: readonly string[]) => k.length === p.primaryKey.length && k.every((x) => p.primaryKey.includes(x));
  if (p.primaryKey.length > 0 && !sameKey(actual.primaryKey) && !actual.uniqueKeys.some(sameKey)) {
    out.push({ table: p.name, kind: 'key', message: `${p.name}: (${p.primaryKey.join(', ')}) is neither the primary key (${actual.primaryKey.join(', ') || 'none'}) nor a unique key of next` });
  }
  return out;
}

/** Compares next's actual tables with the plan; `actual` lacks the tables next does not have. */
export function compareSchema(plan: SchemaPlan, actual: Readonly<Record<string, TableInfo>>): SchemaMismatch[] {
  const out: SchemaMismatch[] = [];
  for (const p of plan.tables) {
    const a = actual[p.name];
    if (!a) out.push({ table: p.name, kind: 'missing-table', message: `${p.name}: no such table in next (siphon schema plan proposes it)` });
    else out.push(...tableMismatches(p, a));
  }
  return out;
}
