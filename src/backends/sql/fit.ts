import type { ColumnInfo, Dialect } from '../types.js';
import type { Value } from '../../values/value.js';
import { WriteValueError } from '../errors.js';
import { assertNever } from '../../errors.js';

/**
 * Does a canonical value fit a column so that the engine stores it *unchanged*? Engines refuse some values (an
 * integer out of range, a too-long varchar) and silently change others (a real rounds a double, a cast to
 * varchar(n) truncates, char(n) drops trailing spaces, a latin1 column turns 😀 into '?'). Both kinds are refused
 * here, before the statement, with the reason: the write path (the adapters' encoders) and the dry run
 * (`mapRow`'s write stage) call this same function, so "clean" in the dry run means "will be written unchanged".
 * Throws WriteValueError; returns nothing when the value fits.
 */
export function checkFits(value: Value, column: ColumnInfo, table: string, dialect: Dialect): void {
  if (value === null || typeof value === 'boolean') return;
  // the refusal names the value's table and column; set here rather than captured in a closure per call (this runs
  // for every value written, twice: tsx's keepNames wrapped each such closure, ~1 µs per value on the backfill path)
  refusing.table = table;
  refusing.column = column.name;
  if (typeof value === 'string') return checkText(value, column, dialect, refuse);
  switch (value.t) {
    case 'int': case 'dec': return checkNumber(value.v, value.t, column, dialect, refuse);
    case 'float': return checkFloat(value.v, column, dialect, refuse);
    case 'time': return checkTime(value.v, column, dialect, refuse);
    case 'date': case 'lts': case 'ts': return checkDate(value.v, value.t, column, dialect, refuse);
    case 'bytes': return checkBytes(Buffer.from(value.v, 'base64').length, column, dialect, refuse);
    case 'json': return checkJson(value.v, column, dialect, refuse);
    case 'invalid': return; // refused by checkWritable
    default: return assertNever(value, 'value');
  }
}

type Refuse = (why: string) => never;
const refusing = { table: '', column: '' };
function refuse(why: string): never { throw new WriteValueError(refusing.table, refusing.column, why); }

function intRange(column: ColumnInfo, dialect: Dialect): [bigint, bigint] | undefined {
  const bytes = column.integerBytes ?? (dialect === 'sqlite' && column.type === 'int' ? 8 : undefined);
  if (bytes === undefined) return undefined;
  const bits = BigInt(bytes * 8);
  return column.unsigned ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n];
}

/** The range of an integer column, computed once per column (every int value written is checked against it). */
const ranges = new WeakMap<ColumnInfo, Map<Dialect, { big: [bigint, bigint]; min: number; max: number } | null>>();
function cachedRange(column: ColumnInfo, dialect: Dialect): { big: [bigint, bigint]; min: number; max: number } | null {
  let byDialect = ranges.get(column);
  if (!byDialect) ranges.set(column, byDialect = new Map());
  let r = byDialect.get(dialect);
  if (r === undefined) {
    const big = intRange(column, dialect);
    byDialect.set(dialect, r = big ? { big, min: Number(big[0]), max: Number(big[1]) } : null);
  }
  return r;
}

function checkNumber(v: string, kind: 'int' | 'dec', column: ColumnInfo, dialect: Dialect, refuse: Refuse): void {
  // no dot (every int value, whole decimals): no split needed
  const [ip = '', fp = ''] = v.includes('.') ? v.replace(/^-/, '').split('.') : [v[0] === '-' ? v.slice(1) : v, ''];
  if (column.type === 'int') {
    if (fp !== '') refuse('a number with a fraction in an integer column, which would round it');
    const range = cachedRange(column, dialect);
    if (range) {
      // up to 15 characters the text is exactly a double, far inside any 64-bit bound: no BigInt needed
      if (v.length <= 15) {
        const n = Number(v);
        if (n < range.min || n > range.max) refuse(`out of the range of ${column.nativeType} (${range.big[0]} to ${range.big[1]})`);
      } else {
        const n = BigInt(v);
        if (n < range.big[0] || n > range.big[1]) refuse(`out of the range of ${column.nativeType} (${range.big[0]} to ${range.big[1]})`);
      }
    }
    const n = dialect === 'mysql' ? BigInt(v) : 0n;
    if (dialect === 'mysql' && /^year/i.test(column.nativeType) && n !== 0n && (n < 1901n || n > 2155n)) refuse('out of the range of YEAR (1901 to 2155, or 0)');
    return;
  }
  if (column.type === 'dec' && dialect !== 'sqlite') {
    // the scale is judged by checkPrecision (fractional digits); here the integer digits
    if (column.precision !== undefined && column.scale !== undefined) {
      const digits = ip.replace(/^0+/, '').length;
      if (digits > column.precision - column.scale) refuse(`more than ${column.precision - column.scale} integer digits: out of the range of ${column.nativeType}`);
    }
    return;
  }
  if (column.type === 'float') {
    const n = Number(v);
    const back = column.floatBits === 32 ? Math.fround(n) : n;
    if (!Number.isFinite(back) || !sameNumber(back, v)) refuse(`${kind === 'int' ? 'an integer' : 'a decimal'} that ${column.nativeType} cannot hold exactly (it would be rounded)`);
  }
}

/** A double read back gives the same number as the exact decimal text `v` (integers: exactly; fractions: the shortest text). */
function sameNumber(n: number, v: string): boolean {
  if (!Number.isFinite(n)) return false;
  if (!v.includes('.')) return Number.isInteger(n) && BigInt(n) === BigInt(v);
  return decimalText(n) === v;
}

function decimalText(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const [m = '', e = '0'] = s.split(/e/i);
  const exp = Number(e);
  const neg = m.startsWith('-');
  const [i = '', f = ''] = m.replace('-', '').split('.');
  const digits = i + f;
  const point = i.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.includes('.') ? out.replace(/0+$/, '').replace(/\.$/, '') : out;
  return neg ? `-${out}` : out;
}

/** The shortest decimal text that reads back as this single-precision value (as PostgreSQL 12+ prints a real). */
export function shortestSingle(f: number): string {
  for (let p = 1; p <= 9; p++) {
    const t = f.toPrecision(p);
    if (Math.fround(Number(t)) === f) return t;
  }
  return String(f);
}

function checkFloat(v: number, column: ColumnInfo, dialect: Dialect, refuse: Refuse): void {
  if (column.type === 'float') {
    if (column.floatBits === 32 && Number.isFinite(v)) {
      const r = Math.fround(v);
      if (!Number.isFinite(r)) refuse(`out of the range of ${column.nativeType} (about ±3.4e38)`);
      // engines print a single-precision value as its shortest decimal text (3.4028235e38), and that text is what
      // is read back: the value is kept when it is that text
      if (Number(shortestSingle(r)) !== v) refuse(`a double that ${column.nativeType} (single precision) cannot hold exactly: it would be rounded`);
    }
    return;
  }
  if (column.type === 'int') {
    if (!Number.isInteger(v)) refuse('a number with a fraction in an integer column, which would round it');
    checkNumber(BigInt(v).toString(), 'int', column, dialect, refuse);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkText(v: string, column: ColumnInfo, dialect: Dialect, refuse: Refuse): void {
  if (LONE_SURROGATE.test(v)) refuse('the text holds a lone UTF-16 surrogate, which no engine stores (it would become U+FFFD)');
  if (dialect === 'postgres' && v.includes('\u0000')) refuse('the text holds a NUL character (U+0000), which PostgreSQL text cannot store');
  if (column.maxLength !== undefined && (column.type === 'text' || column.type === 'unknown')) {
    // code points ≤ UTF-16 units: only a text longer in units than the limit needs counting
    const chars = v.length <= column.maxLength ? v.length : [...v].length;
    if (chars > column.maxLength) refuse(`longer than the ${column.maxLength} characters of ${column.nativeType}`);
    if (column.fixedLength && / $/.test(v)) refuse(`trailing spaces are not kept by ${column.nativeType} (a padded type): the value would be read back without them`);
  }
  if (dialect === 'mysql' && column.type === 'text') checkCharset(v, column, refuse);
}

// the cp1252 characters MariaDB's latin1 holds above U+00FF
const CP1252_EXTRA = new Set([0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x017e, 0x0178]);

function checkCharset(v: string, column: ColumnInfo, refuse: Refuse): void {
  const cs = (column.charset ?? 'utf8mb4').toLowerCase();
  if (cs === 'utf8' || cs === 'utf8mb3') {
    for (const ch of v) if (ch.codePointAt(0)! > 0xffff) refuse(`a character above U+FFFF (emoji...) does not fit a ${cs} column (it needs utf8mb4)`);
  } else if (cs === 'latin1') {
    for (const ch of v) { const c = ch.codePointAt(0)!; if (c > 0xff && !CP1252_EXTRA.has(c)) refuse(`character U+${c.toString(16).toUpperCase().padStart(4, '0')} does not exist in the latin1 (cp1252) column`); }
  } else if (cs === 'ascii') {
    for (const ch of v) if (ch.codePointAt(0)! > 0x7f) refuse('a non-ASCII character does not fit an ascii column');
  }
}

function checkTime(v: string, column: ColumnInfo, dialect: Dialect, refuse: Refuse): void {
  if (column.type !== 'time') return;
  const m = /^(-?)(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(v);
  if (!m) return;
  const [neg, h, mi, s, f = ''] = [m[1] === '-', Number(m[2]), Number(m[3]), Number(m[4]), m[5]];
  if (mi > 59 || s > 59) refuse('minutes or seconds above 59');
  if (dialect === 'postgres' && (neg || h > 24 || (h === 24 && (mi > 0 || s > 0 || /[1-9]/.test(f))))) {
    refuse(`a time outside PostgreSQL ${column.nativeType}'s range 00:00:00 to 24:00:00 (a duration: use an interval column)`);
  }
  if (dialect === 'mysql' && (h > 838 || (h === 838 && (mi > 59 || s > 59 || /[1-9]/.test(f))))) refuse(`a time outside MariaDB TIME's range ±838:59:59`);
}

function checkDate(v: string, kind: 'date' | 'lts' | 'ts', column: ColumnInfo, dialect: Dialect, refuse: Refuse): void {
  if (dialect === 'postgres' && v.startsWith('0000')) refuse('year 0 does not exist in PostgreSQL');
  if (dialect === 'mysql' && kind === 'ts' && column.type === 'ts' && (v < '1970-01-01T00:00:01' || v > '2038-01-19T03:14:07.999999Z')) {
    refuse(`an instant outside MariaDB TIMESTAMP's range 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC (use DATETIME)`);
  }
}

function checkBytes(length: number, column: ColumnInfo, dialect: Dialect, refuse: Refuse): void {
  if (dialect !== 'mysql' || column.type !== 'bytes' || column.maxLength === undefined) return;
  if (length > column.maxLength) refuse(`longer than the ${column.maxLength} bytes of ${column.nativeType}`);
  if (column.fixedLength && length !== column.maxLength) refuse(`shorter than the ${column.maxLength} bytes of ${column.nativeType}, which pads it with zeros`);
}

function checkJson(v: string, column: ColumnInfo, dialect: Dialect, refuse: Refuse): void {
  if (dialect === 'postgres' && /^jsonb\b/.test(column.nativeType) && /(^|[^\\])(\\\\)*\\u0000/.test(v)) {
    refuse('the JSON holds a NUL character (\\u0000), which jsonb cannot store');
  }
}
