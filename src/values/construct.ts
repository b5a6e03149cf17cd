import type {
  BytesValue, DateValue, DecValue, FloatValue, InstantValue, IntValue, InvalidReason, InvalidValue, JsonValue,
  LocalTimestampValue, TimeValue,
} from './value.js';
import { ValueError } from './errors.js';
import { plainDate, plainLocalText } from './fast-text.js';

// Constructors that normalise their input, so that every adapter produces the same canonical text.

const INT_RE = /^[+-]?\d+$/;
const DEC_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Texts already in canonical form (the common case: values read back from a log or an engine) are returned as they
// are, without the general normalisation; "-0" is not canonical ("0" is).
const CANONICAL_INT_RE = /^-?(?:0|[1-9]\d*)$/;

export function int(v: string | number | bigint): IntValue {
  if (typeof v === 'bigint') return { t: 'int', v: v.toString() };
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new ValueError('invalid-number', `integer ${v} is not a safe integer`);
    return { t: 'int', v: String(v === 0 ? 0 : v) };
  }
  if (CANONICAL_INT_RE.test(v) && v !== '-0') return { t: 'int', v };
  const s = v.trim();
  if (!INT_RE.test(s)) throw new ValueError('invalid-number', `"${v}" is not an integer`);
  return { t: 'int', v: BigInt(s).toString() };
}

/**
 * `-?digits[.digits]` (the form engines print DECIMAL in) normalised by string scanning, without the general
 * parser's regular expressions: null for any other form. Same result as the general path (property-tested).
 */
function plainDecimal(v: string): string | null {
  const n = v.length;
  const neg = n > 0 && v.charCodeAt(0) === 45;
  let i = neg ? 1 : 0;
  let dot = -1;
  for (let j = i; j < n; j++) {
    const c = v.charCodeAt(j);
    if (c === 46) { if (dot >= 0 || j === i || j === n - 1) return null; dot = j; } else if (c < 48 || c > 57) return null;
  }
  if (i === n) return null;
  const intEnd = dot < 0 ? n : dot;
  while (i < intEnd - 1 && v.charCodeAt(i) === 48) i++;
  let end = n;
  if (dot >= 0) {
    while (end > dot + 1 && v.charCodeAt(end - 1) === 48) end--;
    if (end === dot + 1) end = dot;
  }
  if (i === (neg ? 1 : 0) && end === n) return neg && end === 2 && v.charCodeAt(1) === 48 ? '0' : v;
  const body = v.slice(i, end);
  if (body === '0') return '0';
  return neg ? `-${body}` : body;
}

/** Normalise a decimal text: exact, no exponent, no leading zeros, no trailing fractional zeros, no "-0". */
export function normalizeDecimal(text: string): string {
  // the scan answers every `-?digits[.digits]` text, canonical or not (a regular expression first cost more: verify profile)
  const fast = plainDecimal(text);
  if (fast !== null) return fast;
  let s = text.trim();
  if (!DEC_RE.test(s)) throw new ValueError('invalid-number', `"${text}" is not a decimal number`);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') { neg = s[0] === '-'; s = s.slice(1); }
  let exp = 0;
  const e = s.search(/[eE]/);
  if (e >= 0) { exp = Number(s.slice(e + 1)); s = s.slice(0, e); }
  let [ip = '', fp = ''] = s.split('.') as [string, string?] as [string, string];
  fp = fp ?? '';
  // shift by exponent
  if (exp > 0) { const take = fp.slice(0, exp).padEnd(exp, '0'); ip += take; fp = fp.slice(exp); }
  else if (exp < 0) { const n = -exp; const pad = ip.padStart(n, '0'); fp = pad.slice(pad.length - n) + fp; ip = pad.slice(0, pad.length - n); }
  ip = ip.replace(/^0+/, '') || '0';
  fp = fp.replace(/0+$/, '');
  const body = fp ? `${ip}.${fp}` : ip;
  return neg && body !== '0' ? `-${body}` : body;
}

export function dec(v: string | number | bigint): DecValue {
  if (typeof v === 'bigint') return { t: 'dec', v: v.toString() };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValueError('invalid-number', `decimal ${v} is not finite`);
    return { t: 'dec', v: normalizeDecimal(String(v)) };
  }
  return { t: 'dec', v: normalizeDecimal(v) };
}

export function float(v: number): FloatValue {
  return { t: 'float', v: Object.is(v, -0) ? 0 : v };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
export function date(v: string): DateValue {
  if (v.length === 10 && plainDate(v)) return { t: 'date', v };
  const m = DATE_RE.exec(v);
  if (!m || !validYmd(+m[1]!, +m[2]!, +m[3]!)) throw new ValueError('invalid-date', `"${v}" is not a valid date (YYYY-MM-DD)`);
  return { t: 'date', v };
}

const TIME_RE = /^(-?\d{2,3}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
export function time(v: string): TimeValue {
  const m = TIME_RE.exec(v.trim());
  if (!m) throw new ValueError('invalid-date', `"${v}" is not a valid time (HH:MM:SS[.f])`);
  const frac = (m[4] ?? '').slice(0, 6).replace(/0+$/, '');
  return { t: 'time', v: `${m[1]}:${m[2]}:${m[3]}${frac ? '.' + frac : ''}` };
}

const DT_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function parseDateTime(v: string): { ymd: [number, number, number]; hms: [number, number, number]; micros: number; zone?: string } {
  const m = DT_RE.exec(v.trim());
  if (!m) throw new ValueError('invalid-date', `"${v}" is not a valid date-time`);
  const ymd: [number, number, number] = [+m[1]!, +m[2]!, +m[3]!];
  const hms: [number, number, number] = [+m[4]!, +m[5]!, +m[6]!];
  if (!validYmd(...ymd) || hms[0] > 23 || hms[1] > 59 || hms[2] > 60) throw new ValueError('invalid-date', `"${v}" is not a valid date-time`);
  const micros = Number((m[7] ?? '').slice(0, 6).padEnd(6, '0'));
  return m[8] ? { ymd, hms, micros, zone: m[8] } : { ymd, hms, micros };
}

function fmt(ymd: [number, number, number], hms: [number, number, number], micros: number): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(ymd[0], 4)}-${p(ymd[1])}-${p(ymd[2])}T${p(hms[0])}:${p(hms[1])}:${p(hms[2])}.${p(micros, 6)}`;
}

/** A zone-less local date-time. A zone suffix in the input is an error: use `instant` for those. */
export function localTimestamp(v: string): LocalTimestampValue {
  // the canonical text itself (what toPlain gives mapping code) and the plain `YYYY-MM-DD[T ]HH:MM:SS`
  const plain = plainLocalText(v);
  if (plain !== null) return { t: 'lts', v: plain };
  const d = parseDateTime(v);
  if (d.zone) throw new ValueError('invalid-date', `"${v}" carries a zone; a local timestamp must not`);
  return { t: 'lts', v: fmt(d.ymd, d.hms, d.micros) };
}

/** An instant. Accepts a Date, epoch microseconds (bigint), or text with a zone (Z or ±HH[:MM]). */
export function instant(v: string | Date | bigint): InstantValue {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new ValueError('invalid-date', 'invalid Date');
    return { t: 'ts', v: v.toISOString().replace('Z', '000Z') };
  }
  if (typeof v === 'bigint') {
    const ms = v / 1000n; const us = Number(((v % 1000n) + 1000n) % 1000n);
    const base = new Date(Number(ms - (v < 0n && us !== 0 ? 1n : 0n))).toISOString();
    return { t: 'ts', v: base.replace('Z', String(us).padStart(3, '0') + 'Z') };
  }
  const d = parseDateTime(v);
  if (!d.zone) throw new ValueError('invalid-date', `"${v}" has no zone; an instant needs one (use localToInstant with a zone)`);
  let offsetMin = 0;
  if (d.zone !== 'Z') {
    const sign = d.zone[0] === '-' ? -1 : 1;
    const digits = d.zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  const ms = Date.UTC(d.ymd[0], d.ymd[1] - 1, d.ymd[2], d.hms[0], d.hms[1], d.hms[2]) - offsetMin * 60_000;
  const iso = new Date(ms).toISOString().slice(0, 19);
  return { t: 'ts', v: `${iso}.${String(d.micros).padStart(6, '0')}Z` };
}

/**
 * Interpret a local date-time in an IANA zone (e.g. 'Europe/Paris') and return the instant. Ambiguous local times
 * (the repeated hour when clocks go back) resolve to the earlier instant, as PostgreSQL does. Use
 * `resolveLocalTime` to know when that choice was made.
 */
export function localToInstant(local: LocalTimestampValue, zone: string): InstantValue {
  return resolveLocalTime(local, zone).instant;
}

/**
 * How a local date-time maps to an instant in a zone: `exact` (one instant), `ambiguous` (the repeated hour when
 * clocks go back: two instants, the earlier one is taken) or `nonexistent` (the skipped hour when clocks go forward:
 * shifted forward by the gap). The last two change what the value meant, so callers count and report them.
 */
export type LocalTimeResolution = 'exact' | 'ambiguous' | 'nonexistent';

export function resolveLocalTime(local: LocalTimestampValue, zone: string): { instant: InstantValue; resolution: LocalTimeResolution } {
  const d = parseDateTime(local.v);
  const guess = Date.UTC(d.ymd[0], d.ymd[1] - 1, d.ymd[2], d.hms[0], d.hms[1], d.hms[2]);
  // The offsets in force a day either side cover every transition; keep those that map back to this local time.
  const before = zoneOffsetMs(guess - 86_400_000, zone);
  const after = zoneOffsetMs(guess + 86_400_000, zone);
  const valid = [...new Set([before, after])].map((o) => guess - o).filter((ms) => zoneOffsetMs(ms, zone) === guess - ms);
  // Repeated hour: the earlier instant. Skipped hour (spring forward): shift forward by the gap, as PostgreSQL does.
  const ms = valid.length > 0 ? Math.min(...valid) : guess - before;
  const iso = new Date(ms).toISOString().slice(0, 19);
  const resolution: LocalTimeResolution = valid.length === 0 ? 'nonexistent' : new Set(valid).size > 1 ? 'ambiguous' : 'exact';
  return { instant: { t: 'ts', v: `${iso}.${String(d.micros).padStart(6, '0')}Z` }, resolution };
}

function zoneOffsetMs(utcMs: number, zone: string): number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const parts = Object.fromEntries(f.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export function bytes(v: Uint8Array): BytesValue {
  return { t: 'bytes', v: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
}

/** Canonical JSON: object keys sorted recursively, no insignificant whitespace. Accepts JSON text or a JS value. */
export function json(v: unknown, isText = typeof v === 'string'): JsonValue {
  let parsed: unknown = v;
  if (isText) {
    try { parsed = JSON.parse(v as string); } catch (e) { throw new ValueError('invalid-json', `not valid JSON: ${(e as Error).message}`); }
  }
  return { t: 'json', v: canonicalJson(parsed) };
}

export function canonicalJson(v: unknown): string {
  // a bigint (an integer a double cannot hold, as plain values give them) keeps its digits
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function invalid(reason: InvalidReason, raw: string): InvalidValue {
  return { t: 'invalid', reason, raw };
}

function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}
