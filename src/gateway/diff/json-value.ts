import { JsonLimitError, JsonSyntaxError } from './errors.js';

/**
 * A JSON tree that keeps each number's source text, so numbers are compared exactly (as decimals) instead of through
 * IEEE doubles: `12345678901234567890` and `12345678901234567891` differ here although `JSON.parse` makes them equal.
 * Objects are Maps (key order kept, `__proto__` is an ordinary key, the last duplicate wins as in `JSON.parse`).
 */
export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | Map<string, JsonNode> | JsonOpaque;

export class JsonNumber {
  private memo: string | undefined;
  constructor(readonly text: string) {}
  /** Canonical decimal form: `12.5`, `12.50` and `1.25e1` share it; `-0` equals `0`. Computed once. */
  get canonical(): string {
    return (this.memo ??= canonicalNumber(this.text));
  }
  /** Same decimal value (the cheap text comparison first). */
  equals(other: JsonNumber): boolean {
    return this.text === other.text || this.canonical === other.canonical;
  }
}

/** A subtree deeper than the depth limit: kept as its source text and compared as text (reported as a limit). */
export class JsonOpaque {
  constructor(readonly source: string) {}
}

export type JsonKind = 'null' | 'boolean' | 'string' | 'number' | 'array' | 'object' | 'opaque';

export function kindOf(n: JsonNode): JsonKind {
  if (n === null) return 'null';
  if (typeof n === 'boolean') return 'boolean';
  if (typeof n === 'string') return 'string';
  if (n instanceof JsonNumber) return 'number';
  if (Array.isArray(n)) return 'array';
  if (n instanceof Map) return 'object';
  return 'opaque';
}

/**
 * Canonical text of a JSON number: sign, significant digits without leading/trailing zeros, and a base-10 exponent
 * (`125e-1`). Exact for any length (the exponent is a BigInt).
 */
export function canonicalNumber(text: string): string {
  // hand-rolled: this runs for every number of every compared body, a regex + BigInt per call is too slow
  let i = 0;
  const neg = text.charCodeAt(0) === 0x2d;
  if (neg) i = 1;
  let digits = '';
  let fracLen = 0;
  let inFrac = false;
  let expStart = -1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits !== '' || c !== 0x30) digits += text[i];
      if (inFrac) fracLen++;
    } else if (c === 0x2e && !inFrac) inFrac = true;
    else if (c === 0x65 || c === 0x45) { expStart = i + 1; break; }
    else return text; // not a JSON number: compared as is
  }
  if (digits === '') return '0';
  let trailing = 0;
  while (digits.charCodeAt(digits.length - 1 - trailing) === 0x30) trailing++;
  digits = digits.slice(0, digits.length - trailing);
  const shift = trailing - fracLen;
  let exp: string;
  if (expStart < 0) exp = String(shift);
  else {
    const e = text.slice(expStart);
    if (!/^[+-]?\d+$/.test(e)) return text;
    exp = e.length < 15 ? String(Number(e) + shift) : (BigInt(e) + BigInt(shift)).toString();
  }
  return `${neg ? '-' : ''}${digits}e${exp}`;
}

export interface ParseLimits {
  /** Nesting depth beyond which subtrees become `JsonOpaque` (default 64). */
  readonly maxDepth?: number;
  /** Total values parsed beyond which parsing fails with `JsonLimitError` (default 200,000). */
  readonly maxNodes?: number;
}

export interface ParsedJson {
  readonly root: JsonNode;
  readonly nodes: number;
  /** True when at least one subtree was cut at the depth limit. */
  readonly depthLimited: boolean;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
// sticky: matched at lastIndex only, without slicing the text
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const SCALAR = /true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON text into a `JsonNode`. Throws `JsonSyntaxError` or `JsonLimitError`. */
export function parseJson(text: string, limits: ParseLimits = {}): ParsedJson {
  const maxDepth = limits.maxDepth ?? 64;
  const maxNodes = limits.maxNodes ?? 200_000;
  let i = 0;
  let nodes = 0;
  let depthLimited = false;

  const fail = (msg: string): never => {
    throw new JsonSyntaxError(i, msg);
  };
  const ws = (): void => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const count = (): void => {
    if (++nodes > maxNodes) throw new JsonLimitError('nodes', maxNodes);
  };

  const parseString = (): string => {
    // i is at the opening quote; a string with escapes is handed to JSON.parse for exact escape handling.
    const start = i++;
    let escaped = false;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) { i++; escaped = true; }
      else if (c < 0x20) fail('control character in string');
      i++;
    }
    i++;
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid escape in string');
    }
  };

  /** Skips one value without building it (used beyond the depth limit); iterative, so any depth is safe. */
  const skipValue = (): void => {
    let depth = 0;
    do {
      ws();
      const c = text[i];
      if (c === '"') parseString();
      else if (c === '{' || c === '[') { depth++; i++; }
      else if (c === '}' || c === ']') { depth--; i++; }
      else if (c === ',' || c === ':') i++;
      else if (c === undefined) fail('unexpected end of input');
      else {
        SCALAR.lastIndex = i;
        const m = SCALAR.exec(text);
        if (!m) fail(`unexpected character ${JSON.stringify(c)}`);
        i += m![0].length;
      }
      if (depth < 0) fail('unbalanced brackets');
    } while (depth > 0);
  };

  const parseValue = (depth: number): JsonNode => {
    ws();
    count();
    const c = text[i];
    if ((c === '{' || c === '[') && depth >= maxDepth) {
      const start = i;
      skipValue();
      depthLimited = true;
      return new JsonOpaque(text.slice(start, i));
    }
    switch (c) {
      case '{': {
        i++;
        const obj = new Map<string, JsonNode>();
        ws();
        if (text[i] === '}') { i++; return obj; }
        for (;;) {
          ws();
          if (text[i] !== '"') fail('expected a property name');
          const key = parseString();
          ws();
          if (text[i] !== ':') fail('expected ":"');
          i++;
          obj.set(key, parseValue(depth + 1));
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === '}') { i++; return obj; }
          fail('expected "," or "}"');
        }
      }
      case '[': {
        i++;
        const arr: JsonNode[] = [];
        ws();
        if (text[i] === ']') { i++; return arr; }
        for (;;) {
          arr.push(parseValue(depth + 1));
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === ']') { i++; return arr; }
          fail('expected "," or "]"');
        }
      }
      case '"':
        return parseString();
      case 't': return literal('true', true);
      case 'f': return literal('false', false);
      case 'n': return literal('null', null);
      default: {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (!m) return fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
        i += m[0].length;
        return new JsonNumber(m[0]);
      }
    }
  };

  const literal = <T extends JsonNode>(word: string, value: T): T => {
    if (text.startsWith(word, i)) { i += word.length; return value; }
    return fail(`expected ${word}`);
  };

  const root = parseValue(0);
  ws();
  if (i < text.length) fail('unexpected text after the JSON value');
  return { root, nodes, depthLimited };
}

/**
 * A number literal that a double may not represent exactly: 16+ significant digits (a decimal with at most 15 always
 * survives the round trip through a double, so two different ones never collapse) or a 3+ digit exponent (overflow).
 * Checked on the raw text, strings included, so it errs on the side of the exact parser.
 */
const INEXACT = /\d[\d.]{15}|[eE][+-]?\d{3}/;

/**
 * `parseJson` with the native parser when that is exact: the body has no number a double could blur (see
 * `INEXACT`). Same limits and result; otherwise (or when the native parser refuses) the exact parser runs.
 */
export function parseJsonFast(text: string, limits: ParseLimits = {}): ParsedJson {
  if (INEXACT.test(text)) return parseJson(text, limits);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return parseJson(text, limits); // the exact parser gives the error with its offset
  }
  const maxDepth = limits.maxDepth ?? 64;
  const maxNodes = limits.maxNodes ?? 200_000;
  let nodes = 0;
  let depthLimited = false;
  const conv = (x: unknown, depth: number): JsonNode => {
    if (++nodes > maxNodes) throw new JsonLimitError('nodes', maxNodes);
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
    if (typeof x === 'number') return new JsonNumber(String(x));
    if (depth >= maxDepth) { depthLimited = true; return new JsonOpaque(JSON.stringify(x)); }
    if (Array.isArray(x)) return x.map((e) => conv(e, depth + 1));
    const m = new Map<string, JsonNode>();
    for (const k of Object.keys(x as object)) m.set(k, conv((x as Record<string, unknown>)[k], depth + 1));
    return m;
  };
  const root = conv(v, 0);
  return { root, nodes, depthLimited };
}

/** Builds a `JsonNode` from a plain JavaScript value (tests, fixtures). */
export function fromJs(v: unknown): JsonNode {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return new JsonNumber(String(v));
  if (Array.isArray(v)) return v.map(fromJs);
  if (typeof v === 'object') return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJs(x)]));
  return String(v);
}

/** JSON text of a node (numbers as their source text). Used for samples, multiset checks and opaque comparison. */
export function stringify(n: JsonNode, sortKeys = false): string {
  if (n === null) return 'null';
  if (typeof n === 'boolean') return n ? 'true' : 'false';
  if (typeof n === 'string') return JSON.stringify(n);
  if (n instanceof JsonNumber) return n.text;
  if (n instanceof JsonOpaque) return n.source;
  if (Array.isArray(n)) return `[${n.map((x) => stringify(x, sortKeys)).join(',')}]`;
  const entries = [...n.entries()];
  if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stringify(x, sortKeys)}`).join(',')}}`;
}

/** A canonical text: equal for trees the diff considers equal (numbers canonical, keys sorted). */
export function canonicalText(n: JsonNode): string {
  const parts: string[] = [];
  canon(n, parts);
  return parts.join('');
}

function canon(n: JsonNode, out: string[]): void {
  if (n === null) out.push('null');
  else if (typeof n === 'boolean') out.push(n ? 'true' : 'false');
  else if (typeof n === 'string') out.push(JSON.stringify(n));
  else if (n instanceof JsonNumber) out.push(n.canonical);
  else if (Array.isArray(n)) {
    out.push('[');
    for (let i = 0; i < n.length; i++) { if (i > 0) out.push(','); canon(n[i] as JsonNode, out); }
    out.push(']');
  } else if (n instanceof Map) {
    const keys = n.size > 1 ? [...n.keys()].sort() : [...n.keys()];
    out.push('{');
    keys.forEach((k, i) => { if (i > 0) out.push(','); out.push(JSON.stringify(k), ':'); canon(n.get(k) as JsonNode, out); });
    out.push('}');
  } else out.push(`~${n.source.replace(/\s+/g, '')}`);
}
