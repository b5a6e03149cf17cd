import type { ColumnInfo } from '../../backends/types.js';
import type { Value } from '../../values/index.js';
import { bytes, date, dec, float, instant, int, invalid, json, localTimestamp, time } from '../../values/index.js';

const ZERO_DATE = /^0000-|^\d{4}-00-|^\d{4}-\d{2}-00/;

/** Shortest decimal that reads back as the same float32: what the server prints for a FLOAT column. */
export function float32Text(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const c = Number(f.toPrecision(p));
    if (Math.fround(c) === f) return c;
  }
  return f;
}

/**
 * A value as zongji decodes it from a row image (configured with dateStrings and timezone 'Z') → canonical, by the
 * column's metadata, following the MariaDB adapter's rules: zero dates are invalid('zero-date'), TIMESTAMP is an
 * instant (UTC), DATETIME a local timestamp, FLOAT is printed as the server prints it.
 */
export function fromBinlog(v: unknown, column: ColumnInfo): Value {
  if (v === null || v === undefined) return null;
  try {
    switch (column.type) {
      case 'bool': return typeof v === 'number' ? v !== 0 : Buffer.isBuffer(v) ? v.some((b) => b !== 0) : v === '1' || v === true;
      case 'int':
        if (Buffer.isBuffer(v)) return int(BigInt('0x' + (v.toString('hex') || '0')));
        return int(v as number | string);
      case 'dec': return dec(v as string | number);
      case 'float': {
        const n = Number(v);
        return float(/^float/i.test(column.nativeType) ? float32Text(n) : n);
      }
      case 'date': { const s = String(v); return ZERO_DATE.test(s) ? invalid('zero-date', s) : date(s); }
      case 'lts': { const s = String(v); return ZERO_DATE.test(s) ? invalid('zero-date', s) : localTimestamp(s); }
      case 'ts': { const s = String(v); return ZERO_DATE.test(s) ? invalid('zero-date', s) : instant(s.replace(' ', 'T') + 'Z'); }
      case 'time': return time(String(v));
      case 'bytes': return Buffer.isBuffer(v) ? bytes(v) : bytes(Buffer.from(String(v), 'utf8'));
      case 'json': return typeof v === 'string' ? json(v) : json(v, false);
      case 'text': case 'unknown':
        if (Array.isArray(v)) return v.join(',');
        if (Buffer.isBuffer(v)) return v.toString('utf8');
        return String(v);
    }
  } catch {
    return invalid(column.type === 'json' ? 'invalid-json' : column.type === 'date' || column.type === 'lts' || column.type === 'ts' ? 'invalid-date' : 'invalid-number', String(v));
  }
}
