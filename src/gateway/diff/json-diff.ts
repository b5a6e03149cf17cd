import { canonicalText, JsonNumber, JsonOpaque, kindOf, type JsonNode } from './json-value.js';
import { indexSegment, keyedSegment, keySegment } from './path.js';
import type { Difference, DiffKind, DiffLimit, DiffOptions } from './types.js';

/** Collects differences up to the configured maximum. */
class Collector {
  readonly differences: Difference[] = [];
  readonly limits = new Set<DiffLimit>();
  constructor(readonly max: number) {}
  get full(): boolean {
    return this.differences.length >= this.max;
  }
  add(path: string, normPath: string, kind: DiffKind, legacy: JsonNode | undefined, next: JsonNode | undefined): void {
    if (this.full) { this.limits.add('differences'); return; }
    const d: { -readonly [K in keyof Difference]: Difference[K] } = { path, normPath, kind };
    if (legacy !== undefined) d.legacy = legacy;
    if (next !== undefined) d.next = next;
    this.differences.push(d);
  }
}

/**
 * Compares two JSON trees and returns their differences as field paths (see `DiffKind`). Arrays are compared by index
 * unless their normalised path is listed in `keyedArrays` (then by that id field, order ignored). Work is bounded by
 * the trees' size (itself bounded by the parser's node and depth limits) and by `maxDifferences`.
 */
export function diffJson(legacy: JsonNode, next: JsonNode, options: DiffOptions = {}, root = '$'):
  { differences: Difference[]; limits: DiffLimit[] } {
  const out = new Collector(options.maxDifferences ?? 200);
  walk(legacy, next, root, root, options, out);
  return { differences: out.differences, limits: [...out.limits] };
}

function walk(a: JsonNode, b: JsonNode, path: string, norm: string, o: DiffOptions, out: Collector): void {
  if (out.full) { out.limits.add('differences'); return; }
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'opaque' || kb === 'opaque') {
    out.limits.add('depth');
    if (canonicalText(a) !== canonicalText(b)) out.add(path, norm, ka === kb ? 'value' : 'type', a, b);
    return;
  }
  if (ka !== kb) { out.add(path, norm, 'type', a, b); return; }
  if (a instanceof Map && b instanceof Map) return walkObject(a, b, path, norm, o, out);
  if (Array.isArray(a) && Array.isArray(b)) return walkArray(a, b, path, norm, o, out);
  if (a instanceof JsonNumber && b instanceof JsonNumber) {
    if (!a.equals(b)) out.add(path, norm, 'value', a, b);
    return;
  }
  if (a !== b) out.add(path, norm, 'value', a, b);
}

function walkObject(a: Map<string, JsonNode>, b: Map<string, JsonNode>, path: string, norm: string, o: DiffOptions,
  out: Collector): void {
  for (const [k, va] of a) {
    const seg = keySegment(k);
    const vb = b.get(k);
    if (vb === undefined) out.add(path + seg, norm + seg, 'missing', va, undefined);
    else walk(va, vb, path + seg, norm + seg, o, out);
  }
  for (const [k, vb] of b) {
    if (!a.has(k)) {
      const seg = keySegment(k);
      out.add(path + seg, norm + seg, 'extra', undefined, vb);
    }
  }
}

function walkArray(a: JsonNode[], b: JsonNode[], path: string, norm: string, o: DiffOptions, out: Collector): void {
  const keyField = o.keyedArrays?.[norm];
  if (keyField !== undefined) {
    const ia = indexByKey(a, keyField);
    const ib = indexByKey(b, keyField);
    if (ia && ib) return walkKeyed(ia, ib, keyField, path, norm, o, out);
  }
  const elemNorm = `${norm}[*]`;
  if (a.length !== b.length) out.add(path, norm, 'size', a, b);
  // Element by element first (cheap when equal); only arrays that differ pay for the multiset check that tells a
  // reordering (one `order` difference) from element changes.
  const inner = new Collector(Math.max(0, out.max - out.differences.length));
  const n = Math.min(a.length, b.length);
  const differing: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = inner.differences.length + inner.limits.size;
    walk(a[i] as JsonNode, b[i] as JsonNode, path + indexSegment(i), elemNorm, o, inner);
    if (inner.differences.length + inner.limits.size !== before || inner.full) differing.push(i);
  }
  // equal elements at equal indexes cancel out of both multisets: only the differing ones need comparing
  if (differing.length > 1 && a.length === b.length && !inner.full && sameMultiset(differing.map((i) => a[i] as JsonNode), differing.map((i) => b[i] as JsonNode))) {
    out.add(path, norm, 'order', a, b);
    return;
  }
  for (const d of inner.differences) out.differences.push(d);
  for (const l of inner.limits) out.limits.add(l);
}

function sameMultiset(a: JsonNode[], b: JsonNode[]): boolean {
  const sa = a.map(canonicalText).sort();
  const sb = b.map(canonicalText).sort();
  return sa.every((x, i) => x === sb[i]);
}

/** Element index by the id field's canonical text, or undefined when an element lacks a scalar id or ids repeat. */
function indexByKey(arr: JsonNode[], field: string): Map<string, JsonNode> | undefined {
  const m = new Map<string, JsonNode>();
  for (const el of arr) {
    if (!(el instanceof Map)) return undefined;
    const id = el.get(field);
    if (id === undefined || id === null || id instanceof Map || Array.isArray(id) || id instanceof JsonOpaque) return undefined;
    const text = id instanceof JsonNumber ? id.text : JSON.stringify(id);
    const k = id instanceof JsonNumber ? id.canonical : text;
    if (m.has(k)) return undefined;
    m.set(k, el);
  }
  return m;
}

function walkKeyed(a: Map<string, JsonNode>, b: Map<string, JsonNode>, field: string, path: string, norm: string,
  o: DiffOptions, out: Collector): void {
  const elemNorm = `${norm}[*]`;
  for (const [k, va] of a) {
    const seg = keyedSegment(field, idText(va, field));
    const vb = b.get(k);
    if (vb === undefined) out.add(path + seg, elemNorm, 'missing', va, undefined);
    else walk(va, vb, path + seg, elemNorm, o, out);
  }
  for (const [k, vb] of b) if (!a.has(k)) out.add(path + keyedSegment(field, idText(vb, field)), elemNorm, 'extra', undefined, vb);
}

function idText(el: JsonNode, field: string): string {
  const id = (el as Map<string, JsonNode>).get(field);
  return id instanceof JsonNumber ? id.text : JSON.stringify(id);
}
