/**
 * The decode hot path's validator: accepts exactly what the zod schema of codec.ts accepts (strict objects, canonical
 * value formats, the op/image rules), by hand, at a fraction of zod's cost (zod validated every record read by apply:
 * ~20% of apply's CPU). It only answers yes or no: on "no", codec.ts runs the zod schema for the messages, so a bad
 * record is refused with the same path-named errors as before. Equivalence with the zod schema is property-tested
 * (test/log/strict-check.unit.test.ts: random and mutated records, both must agree).
 *
 * Result: INVALID, VALID, or VALID_NON_FINITE (valid, and a float is written as "NaN"/"Infinity"/"-Infinity" text,
 * to be revived as a number).
 */

export const INVALID = 0;
export const VALID = 1;
export const VALID_NON_FINITE = 2;
export type StrictVerdict = typeof INVALID | typeof VALID | typeof VALID_NON_FINITE;

const RE_INT = /^-?\d+$/;
const RE_DEC = /^-?\d+(\.\d+)?$/;
const RE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const RE_TIME = /^-?\d{2,3}:\d{2}:\d{2}(\.\d{1,6})?$/;
const RE_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const RE_LTS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const RE_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const RE_INSTANT_HEAD = /^\d{4}-\d{2}-\d{2}T/;
const INVALID_REASONS = new Set(['zero-date', 'invalid-date', 'invalid-encoding', 'invalid-number', 'invalid-json']);
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
const hasOwn = Object.prototype.hasOwnProperty;

/** zod's isObject: a non-null, non-array object. */
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** zod's isPlainObject (what z.record requires): an object whose constructor, if any, is Object-like. */
function isPlainObject(o: unknown): o is Record<string, unknown> {
  if (!isObject(o)) return false;
  const ctor = (o as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const prot = (ctor as { prototype?: unknown }).prototype;
  if (!isObject(prot)) return false;
  return hasOwn.call(prot, 'isPrototypeOf');
}

/**
 * A strict object's keys: every key must be one of `allowed` (for…in, as zod's catchall check), and every required
 * one present (a required key with the value undefined fails its schema below anyway).
 */
function onlyKeys(o: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

// strict value objects: { t, v } or { t: 'invalid', reason, raw }
const TV = new Set(['t', 'v']);
const TRR = new Set(['t', 'reason', 'raw']);
// out-param of checkValue: a float written as non-finite text was seen
let sawNonFinite = false;

function textValue(v: Record<string, unknown>, re: RegExp | null): boolean {
  if (!onlyKeys(v, TV)) return false;
  const x = v.v;
  return typeof x === 'string' && (re === null || re.test(x));
}

function checkValue(x: unknown): boolean {
  if (x === null || typeof x === 'boolean' || typeof x === 'string') return true;
  if (!isObject(x)) return false;
  switch (x.t) {
    case 'int': return textValue(x, RE_INT);
    case 'dec': return textValue(x, RE_DEC);
    case 'date': return textValue(x, RE_DATE);
    case 'time': return textValue(x, RE_TIME);
    case 'ts': return textValue(x, RE_TS);
    case 'lts': return textValue(x, RE_LTS);
    case 'bytes': return textValue(x, RE_B64);
    case 'json': return textValue(x, null);
    case 'float': {
      if (!onlyKeys(x, TV)) return false;
      const v = x.v;
      if (typeof v === 'number') return true;
      if (typeof v === 'string' && NON_FINITE.has(v)) { sawNonFinite = true; return true; }
      return false;
    }
    case 'invalid':
      return onlyKeys(x, TRR) && typeof x.reason === 'string' && INVALID_REASONS.has(x.reason) && typeof x.raw === 'string';
    default: return false;
  }
}

/** z.record(z.string(), value): a plain object; own enumerable keys (no symbols); `__proto__` skipped as zod does. */
function checkRow(x: unknown, fromJson: boolean): boolean {
  if (fromJson ? !isObject(x) : !isPlainObject(x)) return false;
  const row = x as Record<string, unknown>;
  if (!fromJson && Object.getOwnPropertySymbols(row).some((s) => Object.prototype.propertyIsEnumerable.call(row, s))) return false;
  for (const k in row) {
    if (!hasOwn.call(row, k)) continue;
    // not judged (zod's verdict is the definition), but a non-finite float in it must still be revived on decode
    if (k === '__proto__') { noteNonFinite(row[k]); continue; }
    if (!checkValue(row[k])) return false;
  }
  return true;
}

/** Sets `sawNonFinite` when `x` is a float written as "NaN"/"Infinity"/"-Infinity", without judging anything else. */
function noteNonFinite(x: unknown): void {
  if (isObject(x) && x.t === 'float' && typeof x.v === 'string' && NON_FINITE.has(x.v)) sawNonFinite = true;
}

const nonEmpty = (x: unknown): boolean => typeof x === 'string' && x.length > 0;
const nullableText = (x: unknown): boolean => x === null || typeof x === 'string';

// The last instant found valid: a batch's records mostly share their `at`, so Date.parse runs once per distinct value.
let lastInstant = '';
function instant(x: unknown): boolean {
  if (typeof x !== 'string') return false;
  if (x === lastInstant && x !== '') return true;
  if (Number.isNaN(Date.parse(x)) || !RE_INSTANT_HEAD.test(x)) return false;
  lastInstant = x;
  return true;
}

const CHANGE_KEYS = new Set(['kind', 'source', 'table', 'key', 'op', 'before', 'after', 'oldKey', 'incomplete', 'position', 'txid', 'at']);
const DDL_KEYS = new Set(['kind', 'source', 'table', 'statement', 'columns', 'position', 'txid', 'at']);
const WATERMARK_KEYS = new Set(['kind', 'source', 'table', 'id', 'phase', 'position', 'at']);
const COLUMN_KEYS = new Set(['name', 'type', 'nullable']);
const OPS = new Set(['insert', 'update', 'delete', 'read']);

function checkChange(c: Record<string, unknown>, fromJson: boolean): boolean {
  if (!onlyKeys(c, CHANGE_KEYS)) return false;
  if (!nonEmpty(c.source) || !nonEmpty(c.table) || !nonEmpty(c.position) || !nullableText(c.txid) || !instant(c.at)) return false;
  const op = c.op;
  if (typeof op !== 'string' || !OPS.has(op)) return false;
  if (!checkRow(c.key, fromJson)) return false;
  // zod's refine counts the keys of its parsed copy: own enumerable string keys, `__proto__` left out
  let keys = 0;
  for (const k in c.key as object) { if (hasOwn.call(c.key, k) && k !== '__proto__') { keys++; break; } }
  if (keys === 0) return false;
  const before = c.before, after = c.after;
  if (before === undefined || after === undefined) return false;
  if (before !== null && !checkRow(before, fromJson)) return false;
  if (after !== null && !checkRow(after, fromJson)) return false;
  if (c.oldKey !== undefined && !checkRow(c.oldKey, fromJson)) return false;
  const inc = c.incomplete;
  if (inc !== undefined) {
    if (!Array.isArray(inc)) return false;
    for (let i = 0; i < inc.length; i++) if (!nonEmpty(inc[i])) return false;
  }
  // the op/image rules (superRefine of the zod schema)
  if (op === 'delete') { if (after !== null || before === null) return false; }
  else if (after === null) return false;
  if ((op === 'insert' || op === 'read') && before !== null) return false;
  if (c.oldKey !== undefined && op !== 'update') return false;
  return true;
}

function checkDdl(d: Record<string, unknown>): boolean {
  if (!onlyKeys(d, DDL_KEYS)) return false;
  if (!nonEmpty(d.source) || !nonEmpty(d.table) || !nonEmpty(d.position) || !nullableText(d.txid) || !instant(d.at)) return false;
  if (!nullableText(d.statement)) return false;
  const cols = d.columns;
  if (cols !== null) {
    if (!Array.isArray(cols)) return false;
    for (const col of cols as unknown[]) {
      if (!isObject(col) || !onlyKeys(col, COLUMN_KEYS) || !nonEmpty(col.name) || typeof col.type !== 'string' || typeof col.nullable !== 'boolean') return false;
    }
  }
  return d.statement !== null || cols !== null;
}

function checkWatermark(w: Record<string, unknown>): boolean {
  if (!onlyKeys(w, WATERMARK_KEYS)) return false;
  return nonEmpty(w.source) && nullableText(w.table) && nonEmpty(w.id) && (w.phase === 'low' || w.phase === 'high') && nonEmpty(w.position) && instant(w.at);
}

/**
 * Is `x` a log record the zod schema would accept? `fromJson`: x came from JSON.parse (plain objects and arrays only,
 * no symbols), so the checks only an in-memory object can fail are skipped.
 */
export function strictCheck(x: unknown, fromJson: boolean): StrictVerdict {
  if (!isObject(x)) return INVALID;
  sawNonFinite = false;
  let ok: boolean;
  switch (x.kind) {
    case 'change': ok = checkChange(x, fromJson); break;
    case 'ddl': ok = checkDdl(x); break;
    case 'watermark': ok = checkWatermark(x); break;
    default: ok = false;
  }
  if (!ok) return INVALID;
  return sawNonFinite ? VALID_NON_FINITE : VALID;
}
