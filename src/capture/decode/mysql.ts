import type { ColumnInfo } from '../../backends/types.js';
import { fromMysql, type MysqlRaw } from '../../backends/mysql/values.js';
import type { Value } from '../../values/index.js';
import { dec, instant } from '../../values/index.js';
import { float32Text } from './binlog.js';

/**
 * A tagged value written by the MariaDB trigger (see trigger/mysql.ts) → canonical, through the adapter's own
 * decoder (`fromMysql`), so a trigger image equals a SELECT: h:/b: carry the stored bytes (text decoded by the
 * column's character set, binary and BIT as bytes), s: the server's text form, @ a TIMESTAMP as epoch seconds.
 */
export function decodeMysqlTriggerValue(tagged: string, column: ColumnInfo): Value {
  const tag = tagged[0];
  if (tag === '@') {
    const [s = '0', f = ''] = tagged.slice(1).split('.');
    return instant(BigInt(s) * 1_000_000n + BigInt(f.padEnd(6, '0').slice(0, 6) || '0'));
  }
  if (tag === '=') return fromMysql(tagged.slice(1), column);
  const body = tagged.slice(2);
  if (tag === 'h' || tag === 'b') return fromMysql(Buffer.from(body, 'hex'), column);
  return fromMysql(body, column);
}

const BIT = /^bit\b/i;
/** Per-column facts decided once, not per value. */
interface ColumnFlags { readonly bit: boolean; readonly float32: boolean; readonly year: boolean; readonly asciiSafe: boolean }
const FLAGS = new WeakMap<ColumnInfo, ColumnFlags>();
function flagsOf(c: ColumnInfo): ColumnFlags {
  let f = FLAGS.get(c);
  if (!f) {
    f = {
      bit: BIT.test(c.nativeType), float32: c.type === 'float' && /^float/i.test(c.nativeType), year: /^year\b/i.test(c.nativeType),
      asciiSafe: !/^(ucs2|utf16|utf16le|utf32)$/i.test(c.charset ?? ''),
    };
    FLAGS.set(c, f);
  }
  return f;
}
function isAscii(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! > 0x7f) return false;
  return true;
}
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}:[0-5]\d:[0-5]\d)(?:\.(\d{1,6}))?)?$/;
const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * The canonical text of a plain decimal (`-?digits[.digits]`, what zongji gives for DECIMAL columns), without the
 * general parser: leading zeros of the integer part and trailing zeros of the fraction dropped, no "-0". Same result
 * as `dec(text).v` (property-tested); anything else (exponents, blanks) goes to `dec`.
 */
export function canonicalPlainDecimal(v: string): string | null {
  if (!PLAIN_DECIMAL.test(v)) return null;
  const neg = v.charCodeAt(0) === 45;
  let i = neg ? 1 : 0;
  const dot = v.indexOf('.');
  const intEnd = dot < 0 ? v.length : dot;
  while (i < intEnd - 1 && v.charCodeAt(i) === 48) i++;
  let end = v.length;
  if (dot >= 0) {
    while (end > dot + 1 && v.charCodeAt(end - 1) === 48) end--;
    if (end === dot + 1) end = dot;
  }
  const body = v.slice(i, end);
  if (body === '0') return '0';
  if (i === (neg ? 1 : 0) && end === v.length) return v;
  return neg ? `-${body}` : body;
}

/**
 * A value as zongji decodes it from a row image (dateStrings, timezone 'Z', big numbers as strings) → the raw form
 * the adapter's decoder takes → canonical. FLOAT columns arrive as the exact float32 and are printed the way the
 * server prints them; SET values arrive as arrays.
 */
export function decodeBinlogValue(v: unknown, column: ColumnInfo): Value {
  return decodeWith(v, column, flagsOf(column));
}

/** A decoder for one column, its per-column facts looked up once (the per-row path of binlog capture). */
export function binlogDecoder(column: ColumnInfo): (v: unknown) => Value {
  const flags = flagsOf(column);
  return (v) => decodeWith(v, column, flags);
}

function decodeWith(v: unknown, column: ColumnInfo, flags: ColumnFlags): Value {
  if (v === null || v === undefined) return null;
  // fast paths with exactly fromMysql's result (a safe JS integer's text is canonical; text columns arrive decoded by
  // their character set): the binary log is the hot path of capture
  if (flags.year && v === 1900) return { t: 'int', v: '0' }; // zongji reads YEAR 0000 as 1900 (stored byte 0 + 1900)
  if (column.type === 'int' && typeof v === 'number' && Number.isSafeInteger(v)) return { t: 'int', v: String(v === 0 ? 0 : v) };
  // text arrives as the stored bytes (binlog/raw-columns.ts): pure ASCII reads the same in every ASCII-compatible
  // character set, the rest goes through the adapter's decoder (character set, invalid bytes, latin1 mojibake)
  if (column.type === 'text' && Buffer.isBuffer(v) && !flags.bit && flags.asciiSafe && isAscii(v)) return v.toString('latin1');
  if (typeof v === 'string') {
    if (column.type === 'dec') {
      const c = canonicalPlainDecimal(v);
      if (c !== null) return { t: 'dec', v: c };
      try { return dec(v); } catch { return fromMysql(v, column); }
    }
    if (column.type === 'lts' || column.type === 'ts' || column.type === 'date') {
      // well-formed, no zero part, a day every month has: the canonical text directly (else the full decoder)
      const m = DATETIME.exec(v);
      if (m && m[2]! >= '01' && m[2]! <= '12' && m[3]! >= '01' && m[3]! <= '28') {
        if (column.type === 'date' && m[4] === undefined) return { t: 'date', v };
        if (column.type !== 'date' && m[4] !== undefined) {
          const text = `${m[1]}-${m[2]}-${m[3]}T${m[4]}.${(m[5] ?? '').padEnd(6, '0')}`;
          return column.type === 'lts' ? { t: 'lts', v: text } : { t: 'ts', v: `${text}Z` };
        }
      }
    }
  }
  let raw: MysqlRaw;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) raw = v;
  else if (Array.isArray(v)) raw = v.join(',');
  else if (typeof v === 'number') raw = flags.float32 ? String(float32Text(v)) : String(v);
  else if (typeof v === 'bigint') raw = v.toString();
  else if (typeof v === 'boolean') raw = v ? '1' : '0';
  else if (typeof v === 'string') raw = v;
  else raw = JSON.stringify(v); // JSON values zongji parsed (MySQL's binary JSON): back to text
  return fromMysql(raw, column);
}
