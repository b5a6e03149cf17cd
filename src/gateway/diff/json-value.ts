import { JsonLimitError, JsonSyntaxError } from './errors.js';

/**
 * A JSON tree that keeps each number's source text, so numbers are compared exactly (as decimals) instead of through
 * IEEE doubles: `12345678901234567890` and `12345678901234567891` differ here although `JSON.parse` makes them equal.
 * Objects are Maps (key order kept, `__proto__` is an ordinary key, the last duplicate wins as in `JSON.parse`).
 */
export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | Map<string, JsonNode> | JsonOpaque;

export class JsonNumber {
  constructor(readonly text: string) {}
  /** Canonical decimal form: `12.5`, `12.50` and `1.25e1` share it; `-0` equals `0`. */
  get canonical(): string {
    return canonicalNumber(this.text);
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
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const [, sign, int = '', frac = '', exp = '0'] = m;
  let digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return '0';
  let e = BigInt(exp) - BigInt(frac.length);
  const trimmed = digits.replace(/0+$/, '');
  e += BigInt(digits.length - trimmed.length);
  digits = trimmed;
  return `${sign}${digits}e${e}`;
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
    // i is at the opening quote; the slice is handed to JSON.parse for exact escape handling.
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i++;
      else if (c < 0x20) fail('control character in string');
      i++;
    }
    i++;
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
        const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
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
        const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 1000));
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
  if (n instanceof JsonNumber) return n.canonical;
  if (Array.isArray(n)) return `[${n.map(canonicalText).join(',')}]`;
  if (n instanceof Map) {
    const keys = [...n.keys()].sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalText(n.get(k) as JsonNode)}`).join(',')}}`;
  }
  if (n instanceof JsonOpaque) return `~${n.source.replace(/\s+/g, '')}`;
  return stringify(n);
}
