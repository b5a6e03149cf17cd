import { z } from 'zod';
import type { Row, Value } from '../values/index.js';
import type { LogRecord } from './change.js';
import { LogRecordError } from './errors.js';
import { INVALID, strictCheck, VALID_NON_FINITE } from './strict-check.js';

/**
 * Lossless JSON form of log records. Canonical values are JSON-safe except non-finite floats (NaN, ±Infinity, which
 * PostgreSQL allows): JSON.stringify would turn them into null, a silent loss. They are written as the strings
 * "NaN" / "Infinity" / "-Infinity" inside the float's `v`, and read back as numbers. Everything else is the record
 * as is, so the stored text stays readable with jq.
 *
 * Decoding validates with errors that name the path inside the record and where the record came from. The zod schema
 * below is the definition; a hand-written check that accepts exactly what it accepts (strict-check.ts, property-tested
 * against it) answers first, and zod runs only for a refused record, to word the errors.
 */

const NON_FINITE = ['NaN', 'Infinity', '-Infinity'] as const;

const digits = (re: RegExp, what: string) => z.string().regex(re, `not a canonical ${what}`);
const valueSchema = z.union([
  z.null(),
  z.boolean(),
  z.string(),
  z.discriminatedUnion('t', [
    z.object({ t: z.literal('int'), v: digits(/^-?\d+$/, 'integer') }).strict(),
    z.object({ t: z.literal('dec'), v: digits(/^-?\d+(\.\d+)?$/, 'decimal') }).strict(),
    z.object({ t: z.literal('float'), v: z.union([z.custom<number>((x) => typeof x === 'number', 'not a number'), z.enum(NON_FINITE).transform(Number)]) }).strict(),
    z.object({ t: z.literal('date'), v: digits(/^\d{4}-\d{2}-\d{2}$/, 'date') }).strict(),
    z.object({ t: z.literal('time'), v: digits(/^-?\d{2,3}:\d{2}:\d{2}(\.\d{1,6})?$/, 'time') }).strict(),
    z.object({ t: z.literal('ts'), v: digits(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, 'instant') }).strict(),
    z.object({ t: z.literal('lts'), v: digits(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/, 'local timestamp') }).strict(),
    z.object({ t: z.literal('bytes'), v: digits(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 text') }).strict(),
    z.object({ t: z.literal('json'), v: z.string() }).strict(),
    z.object({ t: z.literal('invalid'), reason: z.enum(['zero-date', 'invalid-date', 'invalid-encoding', 'invalid-number', 'invalid-json']), raw: z.string() }).strict(),
  ]),
]);
const rowSchema = z.record(z.string(), valueSchema);
const instantText = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s), 'not an ISO-8601 instant');
const nonEmpty = z.string().min(1, 'must not be empty');

const changeSchema = z.object({
  kind: z.literal('change'),
  source: nonEmpty,
  table: nonEmpty,
  key: rowSchema.refine((k) => Object.keys(k).length > 0, 'a key needs at least one column'),
  op: z.enum(['insert', 'update', 'delete', 'read']),
  before: rowSchema.nullable(),
  after: rowSchema.nullable(),
  oldKey: rowSchema.optional(),
  incomplete: z.array(nonEmpty).optional(),
  position: nonEmpty,
  txid: z.string().nullable(),
  at: instantText,
}).strict().superRefine((c, ctx) => {
  if (c.op === 'delete' && c.after !== null) ctx.addIssue({ code: 'custom', path: ['after'], message: 'a delete has no after image' });
  if (c.op === 'delete' && c.before === null) ctx.addIssue({ code: 'custom', path: ['before'], message: 'a delete needs its before image (at least the key columns)' });
  if (c.op !== 'delete' && c.after === null) ctx.addIssue({ code: 'custom', path: ['after'], message: `an ${c.op} needs its after image` });
  if ((c.op === 'insert' || c.op === 'read') && c.before !== null) ctx.addIssue({ code: 'custom', path: ['before'], message: `an ${c.op} has no before image` });
  if (c.oldKey !== undefined && c.op !== 'update') ctx.addIssue({ code: 'custom', path: ['oldKey'], message: `only an update can change the key, not an ${c.op}` });
});

const ddlSchema = z.object({
  kind: z.literal('ddl'),
  source: nonEmpty,
  table: nonEmpty,
  statement: z.string().nullable(),
  columns: z.array(z.object({ name: nonEmpty, type: z.string(), nullable: z.boolean() }).strict()).nullable(),
  position: nonEmpty,
  txid: z.string().nullable(),
  at: instantText,
}).strict().refine((d) => d.statement !== null || d.columns !== null, 'a DDL event needs its statement or its columns');

const watermarkSchema = z.object({
  kind: z.literal('watermark'),
  source: nonEmpty,
  table: z.string().nullable(),
  id: nonEmpty,
  phase: z.enum(['low', 'high']),
  position: nonEmpty,
  at: instantText,
}).strict();

const recordSchema = z.discriminatedUnion('kind', [changeSchema, ddlSchema, watermarkSchema]);

/** In place: float values written as "NaN"/"Infinity"/"-Infinity" become numbers again. */
function reviveFloats(row: Row | null): void {
  if (row === null) return;
  for (const k of Object.keys(row)) {
    const v = row[k] as { t?: unknown; v?: unknown } | null;
    if (v !== null && typeof v === 'object' && v.t === 'float' && typeof v.v === 'string') (v as { v: unknown }).v = Number(v.v);
  }
}

function problems(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(record)'}: ${i.message}`);
}

/** The zod schema's verdict (the definition strict-check.ts is tested against). */
export function zodAccepts(x: unknown): boolean {
  return recordSchema.safeParse(x).success;
}

/** Validate an in-memory record (e.g. before append). Returns it typed or throws LogRecordError naming `where`. */
export function validateRecord(x: unknown, where: string): LogRecord {
  if (strictCheck(x, false) !== INVALID) return x as LogRecord;
  return zodValidate(x, where);
}

/** The slow path: zod words why the record is refused (and, should the two ever disagree, zod's verdict stands). */
function zodValidate(x: unknown, where: string): LogRecord {
  const r = recordSchema.safeParse(x);
  if (!r.success) throw new LogRecordError(where, problems(r.error));
  // The input itself, not zod's copy: zod rebuilds records by assignment, which would drop a column named
  // "__proto__" (JSON.parse keeps it as an own property). Non-finite floats are revived by decodeRecord.
  return x as LogRecord;
}

function rowHasNonFinite(row: Row | null): boolean {
  if (row === null) return false;
  for (const k in row) {
    const v: Value | undefined = row[k];
    if (v !== null && typeof v === 'object' && v.t === 'float' && !Number.isFinite(v.v)) return true;
  }
  return false;
}

function needsFloatCare(r: LogRecord): boolean {
  return r.kind === 'change' && (rowHasNonFinite(r.key) || rowHasNonFinite(r.before) || rowHasNonFinite(r.after) || rowHasNonFinite(r.oldKey ?? null));
}

const floatReplacer = (_k: string, x: unknown): unknown =>
  x !== null && typeof x === 'object' && (x as { t?: unknown }).t === 'float' && typeof (x as { v: unknown }).v === 'number' && !Number.isFinite((x as { v: number }).v)
    ? { t: 'float', v: String((x as { v: number }).v) }
    : x;

/** Record → JSON text (lossless). The common case is a plain JSON.stringify. */
export function encodeRecord(r: LogRecord): string {
  return needsFloatCare(r) ? JSON.stringify(r, floatReplacer) : JSON.stringify(r);
}

/** JSON text → validated record. `where` says where the text came from (log and offset) for the error message. */
export function decodeRecord(text: string, where: string): LogRecord {
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch (e) { throw new LogRecordError(where, [`not JSON: ${(e as Error).message}`]); }
  const verdict = strictCheck(parsed, true);
  const r = verdict === INVALID ? zodValidate(parsed, where) : parsed as LogRecord;
  // the check saw a float written as "NaN"/"Infinity"/"-Infinity" (or zod had the last word: look at the text)
  if (r.kind === 'change' && (verdict === VALID_NON_FINITE || (verdict === INVALID && (text.includes('"v":"NaN"') || text.includes('Infinity"'))))) {
    reviveFloats(r.key); reviveFloats(r.before); reviveFloats(r.after); reviveFloats(r.oldKey ?? null);
  }
  return r;
}
