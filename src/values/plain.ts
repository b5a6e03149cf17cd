import type { LogicalType } from './logical-type.js';
import type { InvalidValue, Row, Value } from './value.js';
import { isInvalid } from './value.js';
import { bytes, date, dec, float, instant, int, json, localTimestamp, time } from './construct.js';
import { ValueError } from './errors.js';
import { assertNever } from '../errors.js';

/**
 * "Plain" values are what mapping code (`to(row)`, cleaning steps, zod schemas) sees: ordinary JS values that are
 * pleasant to write, yet lossless:
 *   int → number when safe, else bigint;  dec → exact string;  float → number;  date/time/ts/lts → ISO text;
 *   bytes → Buffer;  json → parsed value;  invalid → the InvalidValue object itself (so a cleaning step can decide,
 *   and a schema rejects it if nobody did).
 */
export type Plain = null | boolean | number | bigint | string | Buffer | Date | InvalidValue | PlainJson;
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
    case 'json': return JSON.parse(v.v) as PlainJson;
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
  const shown = typeof x === 'string' ? JSON.stringify(x.length > 60 ? x.slice(0, 60) + '…' : x) : typeof x === 'bigint' ? `${x}n` : x instanceof Date ? x.toISOString() : Buffer.isBuffer(x) ? `<${x.length} bytes>` : JSON.stringify(x);
  throw new ValueError('type-mismatch', `expected a value for a ${type} column, found ${typeof x} ${shown}`, { type });
}

/** Convert a plain value into the canonical value for a column of the given logical type. Strict: no guessing. */
export function fromPlain(x: unknown, type: LogicalType): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === 'object' && !(x instanceof Date) && !(x instanceof Uint8Array) && isInvalid(x as Value)) return x as InvalidValue;
  switch (type) {
    case 'bool':
      if (typeof x === 'boolean') return x;
      if (x === 0 || x === 1) return x === 1;
      return mismatch(x, type);
    case 'int':
      if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'string') return int(x);
      if (typeof x === 'boolean') return int(x ? 1 : 0);
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
