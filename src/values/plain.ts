import type { LogicalType } from './logical-type.js';
import type { InvalidValue, JsonValue, Row, Value } from './value.js';
import { isInvalid } from './value.js';
import { bytes, canonicalJson, date, dec, float, instant, int, json, localTimestamp, time } from './construct.js';
import { ValueError } from './errors.js';
import { assertNever } from '../errors.js';

/**
 * "Plain" values are what mapping code (`to(row)`, cleaning steps, zod schemas) sees: ordinary JS values that are
 * pleasant to write, yet lossless:
 *   int → number when safe, else bigint;  dec → exact string;  float → number;  date/time/ts/lts → ISO text;
 *   bytes → Buffer;  json → parsed value;  invalid → the InvalidValue object itself (so a cleaning step can decide,
 *   and a schema rejects it if nobody did).
 */
export type Plain = null | boolean | number | bigint | string | Buffer | Date | InvalidValue | KeptJson | PlainJson;

const KEPT = Symbol.for('siphon.kept-json');
/**
 * A JSON document whose parsed JS form would lose information, kept as its canonical value: the document `null`
 * (parsed, it would be SQL NULL) and documents with numbers a double cannot hold exactly (12345678901234567890).
 * Branded, so that a user document shaped `{ t, v }` is never taken for one. `fromPlain` writes it back as it is.
 */
export type KeptJson = JsonValue & { readonly [KEPT]: true };

export function keptJson(v: JsonValue): KeptJson {
  return Object.freeze({ t: 'json' as const, v: v.v, [KEPT]: true as const });
}

export function isKeptJson(x: unknown): x is KeptJson {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[KEPT] === true;
}

/** The plain form of a JSON document: parsed, unless parsing loses something (see KeptJson). */
function jsonToPlain(v: JsonValue): Plain {
  if (v.v === 'null') return keptJson(v);
  const parsed = JSON.parse(v.v) as PlainJson;
  return canonicalJson(parsed) === v.v ? parsed : keptJson(v);
}
export type PlainJson = { readonly [k: string]: unknown } | readonly unknown[];
export type PlainRow = Record<string, unknown>;

export function toPlain(v: Value): Plain {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  switch (v.t) {
    case 'int': { const n = Number(v.v); return Number.isSafeInteger(n) ? n : BigInt(v.v); }
    case 'dec': return v.v;
    case 'float': return v.v;
    case 'date': case 'time': case 'lts': return v.v;
    case 'ts': return v.v;
    case 'bytes': return Buffer.from(v.v, 'base64');
    case 'json': return jsonToPlain(v);
    case 'invalid': return v;
    default: return assertNever(v, 'value');
  }
}

export function rowToPlain(row: Row): PlainRow {
  const out: PlainRow = {};
  for (const k in row) out[k] = toPlain(row[k]!);
  return out;
}

function mismatch(x: unknown, type: LogicalType): never {
  if (isKeptJson(x)) throw new ValueError('type-mismatch', `expected a value for a ${type} column, found the JSON document ${x.v.length > 60 ? `${x.v.slice(0, 60)}…` : x.v}`, { type });
  const shown = typeof x === 'string' ? JSON.stringify(x.length > 60 ? x.slice(0, 60) + '…' : x) : typeof x === 'bigint' ? `${x}n` : x instanceof Date ? x.toISOString() : Buffer.isBuffer(x) ? `<${x.length} bytes>` : JSON.stringify(x);
  throw new ValueError('type-mismatch', `expected a value for a ${type} column, found ${typeof x} ${shown}`, { type });
}

/** Convert a plain value into the canonical value for a column of the given logical type. Strict: no guessing. */
export function fromPlain(x: unknown, type: LogicalType): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === 'object' && !(x instanceof Date) && !(x instanceof Uint8Array) && isInvalid(x as Value)) return x as InvalidValue;
  if (isKeptJson(x)) return type === 'json' ? { t: 'json', v: x.v } : mismatch(x, type);
  switch (type) {
    case 'bool':
      if (typeof x === 'boolean') return x;
      if (x === 0 || x === 1 || x === 0n || x === 1n) return x === 1 || x === 1n;
      return mismatch(x, type);
    case 'int':
      if (typeof x === 'number' || typeof x === 'bigint') return int(x);
      // only an integer's own digits: '007', ' 5' or '+5' would be changed by the write, and a BIT's '101' is not 101
      if (typeof x === 'string' && /^-?(0|[1-9]\d*)$/.test(x)) return int(x);
      if (typeof x === 'string' && !/^\s*[+-]?\d+\s*$/.test(x)) return int(x); // throws: not an integer
      if (typeof x === 'boolean') return int(x ? 1 : 0);
      if (typeof x === 'string') throw new ValueError('type-mismatch', `expected a value for a int column, found the text ${JSON.stringify(x.slice(0, 40))}, which is not an integer written canonically (convert it explicitly)`, { type });
      return mismatch(x, type);
    case 'dec':
      if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'string') return dec(x);
      return mismatch(x, type);
    case 'float':
      if (typeof x === 'number') return float(x);
      if (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x))) return float(Number(x));
      return mismatch(x, type);
    case 'text':
      if (typeof x === 'string') return x;
      return mismatch(x, type);
    case 'date':
      if (typeof x === 'string') return date(x.length > 10 && /^\d{4}-\d{2}-\d{2}[T ]00:00:00(\.0+)?$/.test(x) ? x.slice(0, 10) : x);
      if (x instanceof Date) return date(x.toISOString().slice(0, 10));
      return mismatch(x, type);
    case 'time':
      if (typeof x === 'string') return time(x);
      return mismatch(x, type);
    case 'ts':
      if (typeof x === 'string' || x instanceof Date || typeof x === 'bigint') return instant(x);
      return mismatch(x, type);
    case 'lts':
      if (typeof x === 'string') return localTimestamp(x);
      return mismatch(x, type);
    case 'bytes':
      if (x instanceof Uint8Array) return bytes(x);
      return mismatch(x, type);
    case 'json':
      return json(x, false);
    case 'unknown':
      if (typeof x === 'string') return x;
      return mismatch(x, type);
    default:
      return assertNever(type, 'logical type');
  }
}
