import { DiffConfigError } from './errors.js';

/**
 * Field paths (JSONPath-like, as Diffy reports them): `$` is the body, `.name` or `["odd key"]` an object member,
 * `[3]` an array index, `[id=7]` / `[id="a7"]` an element of a keyed array. `status` and `header:<name>` address the
 * response status and headers. Normalised paths (`[*]` for every index or key) are the aggregation keys.
 */
export type PathSegment =
  | { readonly t: 'key'; readonly key: string }
  | { readonly t: 'index'; readonly index: number }
  | { readonly t: 'keyed'; readonly field: string; readonly value: string };

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function keySegment(key: string): string {
  return IDENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function indexSegment(index: number): string {
  return `[${index}]`;
}

/** `value` is the element's key as JSON text (`7`, `"a7"`). */
export function keyedSegment(field: string, valueJson: string): string {
  return `[${field}=${valueJson}]`;
}

/** Replaces every array index and keyed selector by `[*]`: `$.invoices[3].amount` → `$.invoices[*].amount`. */
export function normalisePath(path: string): string {
  if (!path.includes('[')) return path;
  let out = '';
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c !== '[') { out += c; i++; continue; }
    if (path[i + 1] === '"') {
      // a quoted key: keep it verbatim
      const end = endOfQuoted(path, i + 1);
      out += path.slice(i, end + 2);
      i = end + 2;
      continue;
    }
    const close = endOfSelector(path, i);
    out += '[*]';
    i = close + 1;
  }
  return out;
}

/** Index of the closing quote of the JSON string starting at `start`. */
function endOfQuoted(s: string, start: number): number {
  let i = start + 1;
  while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
  return i;
}

/** Index of the `]` closing the selector opened at `open` (skips quoted values inside `[id="a]b"]`). */
function endOfSelector(s: string, open: number): number {
  let i = open + 1;
  while (i < s.length && s[i] !== ']') i = s[i] === '"' ? endOfQuoted(s, i) + 1 : i + 1;
  return i;
}

/** Parses a body path (`$...`) into segments; throws `DiffConfigError` naming `where` when malformed. */
export function parsePath(path: string, where = 'path'): PathSegment[] {
  if (!path.startsWith('$')) throw new DiffConfigError(where, `path "${path}" must start with "$"`);
  const segs: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === '.') {
      const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(path.slice(i + 1));
      if (!m) throw new DiffConfigError(where, `path "${path}": expected a name after "." at ${i}`);
      segs.push({ t: 'key', key: m[0] });
      i += 1 + m[0].length;
    } else if (path[i] === '[') {
      if (path[i + 1] === '"') {
        const end = endOfQuoted(path, i + 1);
        if (path[end + 1] !== ']') throw new DiffConfigError(where, `path "${path}": unterminated ["..."] at ${i}`);
        segs.push({ t: 'key', key: JSON.parse(path.slice(i + 1, end + 1)) as string });
        i = end + 2;
        continue;
      }
      const close = endOfSelector(path, i);
      if (close >= path.length) throw new DiffConfigError(where, `path "${path}": unterminated [ at ${i}`);
      const inner = path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) segs.push({ t: 'index', index: Number(inner) });
      else if (inner === '*') segs.push({ t: 'index', index: -1 });
      else {
        const eq = inner.indexOf('=');
        if (eq <= 0) throw new DiffConfigError(where, `path "${path}": bad selector [${inner}]`);
        segs.push({ t: 'keyed', field: inner.slice(0, eq), value: inner.slice(eq + 1) });
      }
      i = close + 1;
    } else {
      throw new DiffConfigError(where, `path "${path}": unexpected ${JSON.stringify(path[i])} at ${i}`);
    }
  }
  return segs;
}

/**
 * True when `path` equals `prefix` or lies under it at a segment boundary: `$.generatedAt` covers
 * `$.generatedAt.ms` and `$.generatedAt[*]` but not `$.generatedAtUtc`. Both should be normalised paths.
 */
export function isUnderPrefix(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length) return true;
  const next = path[prefix.length];
  return next === '.' || next === '[' || prefix.endsWith('.') || prefix.endsWith(':');
}

/** Validates a configured prefix (body path, `status` or `header:<name>`) and returns its normalised form. */
export function checkPrefix(prefix: string, where: string): string {
  if (prefix === 'status' || /^header:[a-z0-9-]+$/.test(prefix)) return prefix;
  if (prefix.startsWith('header:')) throw new DiffConfigError(where, `"${prefix}": header names must be lower case`);
  parsePath(prefix, where);
  return normalisePath(prefix);
}
