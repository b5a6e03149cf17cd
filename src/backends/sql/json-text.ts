import type { JsonValue } from '../../values/value.js';
import { normalizeDecimal } from '../../values/construct.js';
import { ValueError } from '../../values/errors.js';

/**
 * Canonical JSON from JSON text without passing numbers through doubles. `json()` of the value model uses
 * JSON.parse, which turns {"id": 12345678901234567890} into ...67000: a JSON column read from legacy and written to
 * next would lose digits. Here a number keeps its exact digits when a double cannot hold it; when it can, it is printed
 * as JavaScript prints it, so the output equals `json(text).v` for every document JSON.parse reads exactly.
 * Object keys are sorted as `canonicalJson` sorts them; a repeated key keeps its last value, as JSON.parse does.
 */
export function jsonFromText(text: string): JsonValue {
  const p = { s: text, i: 0 };
  skipWs(p);
  const out = value(p);
  skipWs(p);
  if (p.i !== p.s.length) fail(p, 'unexpected text after the document');
  return { t: 'json', v: out };
}

interface Cursor { s: string; i: number }

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

function fail(p: Cursor, what: string): never {
  throw new ValueError('invalid-json', `not valid JSON: ${what} at position ${p.i}`);
}

function skipWs(p: Cursor): void {
  while (p.i < p.s.length && (p.s[p.i] === ' ' || p.s[p.i] === '\n' || p.s[p.i] === '\r' || p.s[p.i] === '\t')) p.i++;
}

function value(p: Cursor): string {
  const c = p.s[p.i];
  if (c === '{') return object(p);
  if (c === '[') return array(p);
  if (c === '"') return JSON.stringify(string(p));
  for (const lit of ['true', 'false', 'null']) {
    if (p.s.startsWith(lit, p.i)) { p.i += lit.length; return lit; }
  }
  NUMBER.lastIndex = p.i;
  const m = NUMBER.exec(p.s);
  if (!m) fail(p, 'expected a value');
  p.i += m[0].length;
  const n = Number(m[0]);
  const js = JSON.stringify(n);
  return Number.isFinite(n) && normalizeDecimal(js) === normalizeDecimal(m[0]) ? js : normalizeDecimal(m[0]);
}

function string(p: Cursor): string {
  STRING.lastIndex = p.i;
  const m = STRING.exec(p.s);
  if (!m) fail(p, 'bad string');
  p.i += m[0].length;
  return JSON.parse(m[0]) as string;
}

function object(p: Cursor): string {
  p.i++;
  const entries = new Map<string, string>();
  skipWs(p);
  if (p.s[p.i] === '}') { p.i++; return '{}'; }
  for (;;) {
    skipWs(p);
    if (p.s[p.i] !== '"') fail(p, 'expected a key');
    const k = string(p);
    skipWs(p);
    if (p.s[p.i] !== ':') fail(p, 'expected ":"');
    p.i++;
    skipWs(p);
    entries.delete(k); // a repeated key: the last one wins
    entries.set(k, value(p));
    skipWs(p);
    if (p.s[p.i] === ',') { p.i++; continue; }
    if (p.s[p.i] === '}') { p.i++; break; }
    fail(p, 'expected "," or "}"');
  }
  const keys = [...entries.keys()].sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${entries.get(k)}`).join(',')}}`;
}

function array(p: Cursor): string {
  p.i++;
  const items: string[] = [];
  skipWs(p);
  if (p.s[p.i] === ']') { p.i++; return '[]'; }
  for (;;) {
    skipWs(p);
    items.push(value(p));
    skipWs(p);
    if (p.s[p.i] === ',') { p.i++; continue; }
    if (p.s[p.i] === ']') { p.i++; break; }
    fail(p, 'expected "," or "]"');
  }
  return `[${items.join(',')}]`;
}
