import type { ColumnInfo, Dialect, TableInfo } from '../backends/types.js';
import { fromPlain } from '../values/plain.js';
import type { Row } from '../values/value.js';
import { judgeWrite } from '../backends/judge-write.js';
import { bitsToPlain, plainForBits } from './legacy-plain.js';
import { ValueError } from '../values/errors.js';
import { CleaningError } from './cleaning/errors.js';
import { applyCleaning } from './cleaning/step.js';
import type { AnySchema, CleanContext, PlainRow, ResolvedTable } from './types.js';
import { formatPath } from './describe-value.js';
import { parserOf } from './compiled-schema.js';

/** Where in the mapping pipeline a row failed. */
export type MapStage = 'key' | 'clean' | 'row' | 'entity-key' | 'to' | 'schema' | 'invalid-value' | 'write';

/**
 * One reason a row does not migrate cleanly. `reason` is the grouping key: it names the step, column, schema path
 * and issue code, never a data value (except a codeMap's unknown code, which is an enumeration, not personal data).
 */
export interface MapFailure {
  readonly stage: MapStage;
  readonly reason: string;
}

export type MapResult =
  | {
    readonly ok: true; readonly entityKey: unknown; readonly rows: Readonly<Record<string, readonly PlainRow[]>>;
    /**
     * When next tables are known: the same rows as canonical values per next column, judged by the next engine's
     * write encoder (`judgeWrite`) — what `Database.upsert` takes, and will write unchanged.
     */
    readonly values?: Readonly<Record<string, readonly Row[]>>;
  }
  | { readonly ok: false; readonly failures: readonly MapFailure[] };

export interface MapContext {
  readonly timezone?: string;
  /** Values cleaned by a rule rather than by their content (see CleanContext.notice). */
  readonly notice?: CleanContext['notice'];
  /** Introspected next tables: when given, output rows are also checked against the columns they will be written to. */
  readonly nextTables?: Readonly<Record<string, TableInfo>>;
  /**
   * The next engine: with nextTables, each value is judged exactly as that engine's write encoder judges it (range,
   * precision, length, charset...), so that a clean row is one that will be written unchanged.
   */
  readonly nextDialect?: Dialect;
  /** Key columns of each next table (upsert keys): a NULL in one cannot be written by key. */
  readonly nextKeys?: Readonly<Record<string, readonly string[]>>;
  /**
   * The introspected legacy table the row was read from: BIT(n) columns are then given to the mapping as numbers
   * (their meaning), not as the text of their binary digits.
   */
  readonly legacy?: TableInfo;
}

const hasOwn = Object.prototype.hasOwnProperty;

interface ZodIssueLike { readonly code: string; readonly path: readonly PropertyKey[]; readonly message: string }

function safeParse(schema: AnySchema, value: unknown): { ok: true; data: unknown } | { ok: false; issues: readonly ZodIssueLike[] } {
  let r: { success: boolean; data?: unknown; error?: { issues: readonly ZodIssueLike[] } };
  // zod's compiled form of the schema: the same answers, generated code instead of the runtime walk (compiled-schema.ts)
  try { r = parserOf(schema).safeParse(value) as typeof r; } catch (e) {
    // async refinements, or a refinement that throws: a reason like any other
    return { ok: false, issues: [{ code: 'schema_threw', path: [], message: ((e as Error)?.message ?? String(e)).split('\n')[0]!.slice(0, 120) }] };
  }
  return r.success ? { ok: true, data: r.data } : { ok: false, issues: r.error?.issues ?? [] };
}

/** Issue paths without array indexes: one reason per field, however many rows of that table fail on it. */
const issuePath = (p: readonly PropertyKey[]) => formatPath(p.filter((x) => typeof x !== 'number')).replace('(root)', '');

function isInvalidValue(v: unknown): v is { t: 'invalid'; reason: string } {
  return typeof v === 'object' && v !== null && (v as { t?: unknown }).t === 'invalid' && typeof (v as { reason?: unknown }).reason === 'string';
}

/** Columns by name, built once per introspected table (apply maps every change of a batch against the same TableInfo). */
const columnMaps = new WeakMap<TableInfo, ReadonlyMap<string, ColumnInfo>>();
function columnsOf(info: TableInfo): ReadonlyMap<string, ColumnInfo> {
  let m = columnMaps.get(info);
  if (!m) columnMaps.set(info, m = new Map(info.columns.map((c) => [c.name, c])));
  return m;
}

/**
 * The cleaning context of a table under a MapContext, built once (apply maps every change of a run with the same
 * MapContext): frozen, so a step cannot carry state from one row to the next through it.
 */
const cleanContexts = new WeakMap<MapContext, Map<ResolvedTable, CleanContext>>();
const NO_CONTEXT: MapContext = {};
function cleanContext(table: ResolvedTable, ctx: MapContext): CleanContext {
  let byTable = cleanContexts.get(ctx);
  if (!byTable) cleanContexts.set(ctx, byTable = new Map());
  let c = byTable.get(table);
  if (!c) byTable.set(table, c = Object.freeze({ table: table.name, ...(ctx.timezone ? { timezone: ctx.timezone } : {}), ...(ctx.notice ? { notice: ctx.notice } : {}) }));
  return c;
}

/** Converts one output row to canonical values for its next table, judging each value as the write will. */
function checkWrite(table: string, row: PlainRow, info: TableInfo, ctx: MapContext, failures: MapFailure[]): Row | undefined {
  const columns = columnsOf(info);
  const out: Row = {};
  const before = failures.length;
  for (const name in row) {
    const v = row[name];
    const col = columns.get(name);
    if (!col) { failures.push({ stage: 'write', reason: `write ${table}.${name}: no such column in next table ${table}` }); continue; }
    if ((v === null || v === undefined) && !col.nullable) { failures.push({ stage: 'write', reason: `write ${table}.${name}: NULL in a NOT NULL column` }); continue; }
    let value;
    try { value = fromPlain(plainForBits(v, col), col.type); } catch (e) {
      if (e instanceof ValueError) { failures.push({ stage: 'write', reason: `write ${table}.${name}: ${e.reason} for ${col.type} column (${col.nativeType})` }); continue; }
      throw e;
    }
    const refused = ctx.nextDialect ? judgeWrite(ctx.nextDialect, value, col, table) : undefined;
    // the encoders' messages name the rule, never the value: a grouping reason as it is
    if (refused !== undefined) { failures.push({ stage: 'write', reason: `write ${table}.${name}: ${refused}` }); continue; }
    out[name] = value;
  }
  for (const k of ctx.nextKeys?.[table] ?? []) {
    if (columns.has(k) && (row[k] === null || row[k] === undefined)) failures.push({ stage: 'write', reason: `write ${table}.${k}: NULL in key column ${k}; the row cannot be written by key` });
  }
  return failures.length === before ? out : undefined;
}

/**
 * Runs one legacy row through the mapping: cleaning steps, the optional row schema, the entity key, `to()`, the
 * schema of each next table, a scan for `invalid` values left in the output and, when next tables are known, a check
 * that every output value fits its next column. Never throws for a data problem: returns every reason found.
 */
export function mapRow(table: ResolvedTable, plain: PlainRow, ctx: MapContext = NO_CONTEXT): MapResult {
  const failures: MapFailure[] = [];
  let row: unknown;
  if (ctx.legacy) plain = bitsToPlain(plain, ctx.legacy);
  try {
    row = applyCleaning(table.clean, plain, cleanContext(table, ctx));
  } catch (e) {
    if (!CleaningError.is(e)) throw e;
    const code = e.reason === 'unknown-code' && (typeof e.value === 'number' || typeof e.value === 'string' || typeof e.value === 'bigint') ? ` ${String(e.value)}` : '';
    return { ok: false, failures: [{ stage: 'clean', reason: `clean ${e.step}(${e.column}): ${e.reason}${code}` }] };
  }
  if (table.row) {
    const r = safeParse(table.row, row);
    if (!r.ok) return { ok: false, failures: r.issues.map((i) => ({ stage: 'row' as const, reason: `row ${issuePath(i.path)}: ${i.code} (${i.message})` })) };
    row = r.data;
  }
  let entityKey: unknown;
  if (table.entityKey) {
    try { entityKey = table.entityKey(row); } catch (e) {
      failures.push({ stage: 'entity-key', reason: `entityKey threw ${(e as Error)?.name ?? 'error'}` });
    }
    if (failures.length === 0 && (entityKey === null || entityKey === undefined)) {
      failures.push({ stage: 'entity-key', reason: `entityKey (${table.entityKeySource}) is null` });
    }
  }
  let produced: unknown;
  try { produced = table.to(row); } catch (e) {
    const err = e as Error;
    const msg = (err?.message ?? String(e)).split('\n')[0]!.slice(0, 120);
    return { ok: false, failures: [...failures, { stage: 'to', reason: `to() threw ${err?.name ?? 'error'}: ${msg}` }] };
  }
  if (typeof (produced as { then?: unknown } | null)?.then === 'function') {
    return { ok: false, failures: [...failures, { stage: 'to', reason: 'to() returned a Promise; it must return the rows synchronously' }] };
  }
  if (typeof produced !== 'object' || produced === null || Array.isArray(produced)) {
    return { ok: false, failures: [...failures, { stage: 'to', reason: 'to() must return an object { nextTable: [rows] }' }] };
  }
  const rows: Record<string, PlainRow[]> = {};
  const values: Record<string, Row[]> = {};
  for (const next in produced as Record<string, unknown>) {
    if (!hasOwn.call(produced, next)) continue;
    const value = (produced as Record<string, unknown>)[next];
    if (value === undefined) continue;
    const schema = table.schemas[next];
    if (!schema) { failures.push({ stage: 'to', reason: `to() returned rows for "${next}", which has no schema in tables.${table.name}.schemas` }); continue; }
    if (!Array.isArray(value)) { failures.push({ stage: 'to', reason: `to() must return an array of rows for "${next}"` }); continue; }
    const out: PlainRow[] = [];
    for (const item of value) {
      const r = safeParse(schema, item);
      if (!r.ok) {
        for (const i of r.issues) failures.push({ stage: 'schema', reason: `schema ${next}${issuePath(i.path) ? `.${issuePath(i.path)}` : ''}: ${i.code} (${i.message})` });
        continue;
      }
      const parsed = r.data as PlainRow;
      for (const col in parsed ?? {}) {
        const v = parsed[col];
        if (isInvalidValue(v)) failures.push({ stage: 'invalid-value', reason: `invalid value left in ${next}.${col} (${v.reason})` });
      }
      const info = ctx.nextTables?.[next];
      if (info && parsed && typeof parsed === 'object') {
        const canonical = checkWrite(next, parsed, info, ctx, failures);
        if (canonical) (values[next] ??= []).push(canonical);
      }
      out.push(parsed);
    }
    rows[next] = out;
  }
  if (failures.length > 0) return { ok: false, failures: dedupe(failures) };
  return { ok: true, entityKey, rows, ...(ctx.nextTables ? { values } : {}) };
}

function dedupe(failures: MapFailure[]): MapFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => (seen.has(f.reason) ? false : (seen.add(f.reason), true)));
}
