import { JsonLimitError } from './errors.js';
import { diffJson } from './json-diff.js';
import { JsonNumber, parseJsonFast, type JsonNode } from './json-value.js';
import type { Difference, DiffLimit, DiffOptions, DiffResult } from './types.js';

/** The parts of an answer the diff looks at (a `CapturedResponse` fits). */
export interface ComparableResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

const DEFAULT_HEADERS = ['content-type'];

/**
 * Compares two answers: status, the chosen headers, and the bodies — as JSON trees when both parse as JSON, else as
 * text/bytes (one `value` difference at `$` with the sizes in `note`). A JSON body against a non-JSON one is a `type`
 * difference at `$`. Bodies too large for the parser's node limit are compared as bytes (limit `nodes` reported).
 */
export function diffResponses(legacy: ComparableResponse, next: ComparableResponse, options: DiffOptions = {}): DiffResult {
  const differences: Difference[] = [];
  const limits = new Set<DiffLimit>();
  if (legacy.status !== next.status) {
    differences.push({ path: 'status', normPath: 'status', kind: 'value',
      legacy: new JsonNumber(String(legacy.status)), next: new JsonNumber(String(next.status)) });
  }
  for (const h of options.compareHeaders ?? DEFAULT_HEADERS) {
    const name = h.toLowerCase();
    const a = legacy.headers[name];
    const b = next.headers[name];
    const path = `header:${name}`;
    if (a === undefined && b === undefined) continue;
    if (a === undefined) differences.push({ path, normPath: path, kind: 'extra', next: b as string });
    else if (b === undefined) differences.push({ path, normPath: path, kind: 'missing', legacy: a });
    else if (normaliseHeader(name, a) !== normaliseHeader(name, b)) differences.push({ path, normPath: path, kind: 'value', legacy: a, next: b });
  }
  const body = diffBodies(legacy, next, options);
  for (const l of body.limits) limits.add(l);
  const room = (options.maxDifferences ?? 200) - differences.length;
  if (body.differences.length > room) limits.add('differences');
  differences.push(...body.differences.slice(0, Math.max(0, room)));
  return { differences, limits: [...limits] };
}

function normaliseHeader(name: string, v: string): string {
  // media types are case-insensitive and the spacing around parameters is free
  return name === 'content-type' ? v.toLowerCase().replace(/\s+/g, '') : v;
}

type Parsed = { ok: true; root: JsonNode; depthLimited: boolean } | { ok: false; limit?: 'nodes' };

// Legacy's body is compared twice (with next, with legacy2): parse it once. Weak keys: nothing outlives the exchange.
const parsedBodies = new WeakMap<Buffer, { o: DiffOptions; parsed: Parsed }>();

function tryJson(r: ComparableResponse, o: DiffOptions): Parsed {
  const cached = parsedBodies.get(r.body);
  if (cached && cached.o === o) return cached.parsed;
  const parsed = parseBody(r, o);
  parsedBodies.set(r.body, { o, parsed });
  return parsed;
}

function parseBody(r: ComparableResponse, o: DiffOptions): Parsed {
  if (!looksJson(r)) return { ok: false };
  try {
    const p = parseJsonFast(r.body.toString('utf8'), { maxDepth: o.maxDepth, maxNodes: o.maxNodes });
    return { ok: true, root: p.root, depthLimited: p.depthLimited };
  } catch (e) {
    if (e instanceof JsonLimitError && e.limit === 'nodes') return { ok: false, limit: 'nodes' };
    return { ok: false };
  }
}

function looksJson(r: ComparableResponse): boolean {
  const ct = r.headers['content-type'] ?? '';
  if (/[/+]json\b/i.test(ct)) return true;
  for (const byte of r.body) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b || byte === 0x5b; // { or [
  }
  return false;
}

/** Body comparison alone (also used by replay when status and headers are compared elsewhere). */
export function diffBodies(legacy: ComparableResponse, next: ComparableResponse, o: DiffOptions = {}): DiffResult {
  // byte-identical bodies are identical trees: skip parsing (the common case of a faithful next)
  if (legacy.body.equals(next.body)) return { differences: [], limits: [] };
  const a = tryJson(legacy, o);
  const b = tryJson(next, o);
  if (a.ok && b.ok) {
    const r = diffJson(a.root, b.root, o);
    const limits = new Set(r.limits);
    if (a.depthLimited || b.depthLimited) limits.add('depth');
    return { differences: r.differences, limits: [...limits] };
  }
  const limits: DiffLimit[] = !a.ok && a.limit ? ['nodes'] : !b.ok && b.limit ? ['nodes'] : [];
  if (a.ok !== b.ok && limits.length === 0) {
    return { differences: [{ path: '$', normPath: '$', kind: 'type', legacy: preview(legacy.body), next: preview(next.body),
      note: `${a.ok ? 'JSON' : 'non-JSON'} body in legacy, ${b.ok ? 'JSON' : 'non-JSON'} body in next` }], limits };
  }
  return { differences: [{ path: '$', normPath: '$', kind: 'value', legacy: preview(legacy.body), next: preview(next.body),
    note: `${isText(legacy.body) && isText(next.body) ? 'text' : 'binary'} body, ${legacy.body.length} vs ${next.body.length} bytes` }], limits };
}

const PREVIEW_BYTES = 512;

function isText(b: Buffer): boolean {
  const head = b.subarray(0, PREVIEW_BYTES);
  return !head.includes(0) && Buffer.from(head.toString('utf8'), 'utf8').length >= head.length - 3;
}

/** A bounded text preview of a body (base64 marker for binary). */
function preview(b: Buffer): string {
  if (b.length === 0) return '';
  if (!isText(b)) return `<${b.length} binary bytes>`;
  const s = b.subarray(0, PREVIEW_BYTES).toString('utf8');
  return b.length > PREVIEW_BYTES ? `${s}…` : s;
}
