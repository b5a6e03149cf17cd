import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffJson } from '../../src/gateway/diff/json-diff.js';
import { canonicalNumber, canonicalText, fromJs, JsonNumber, parseJson, parseJsonFast, type JsonNode } from '../../src/gateway/diff/json-value.js';
import { normalisePath, parsePath } from '../../src/gateway/diff/path.js';
import { diffResponses } from '../../src/gateway/diff/response-diff.js';
import type { Difference } from '../../src/gateway/diff/types.js';

const j = (text: string): JsonNode => parseJson(text).root;
const kinds = (ds: Difference[]): string[] => ds.map((d) => `${d.kind} ${d.path}`).sort();

/** Follows a concrete path; `undefined` when a segment is absent. */
function resolve(root: JsonNode, path: string): JsonNode | undefined {
  let cur: JsonNode | undefined = root;
  for (const s of parsePath(path)) {
    if (cur === undefined) return undefined;
    if (s.t === 'key') cur = cur instanceof Map ? cur.get(s.key) : undefined;
    else if (s.t === 'index') cur = Array.isArray(cur) ? cur[s.index] : undefined;
    else {
      const want = canonicalText(j(s.value));
      cur = Array.isArray(cur) ? cur.find((el) => el instanceof Map && el.has(s.field) && canonicalText(el.get(s.field) as JsonNode) === want) : undefined;
    }
  }
  return cur;
}

// Small key and value alphabets so two independent trees overlap a lot (same keys, same shapes, some differences).
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(null, true, false, 0, 1, 12.5, -3, 'x', 'y', ''),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'odd key'), tie('tree'), { maxKeys: 3 })),
}));
const pair = fc.tuple(tree, tree).map(([a, b]) => [fromJs(a), fromJs(b)] as const);
const opts = { maxDifferences: 100_000 };

describe('diffJson properties', () => {
  it('diff(a, a) is empty, also for re-serialised numbers', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(diffJson(fromJs(v), j(JSON.stringify(v)), opts).differences).toEqual([]);
    }));
  });

  it('is symmetric: swapping sides swaps missing/extra and keeps paths and other kinds', () => {
    const swap = (k: string): string => (k === 'missing' ? 'extra' : k === 'extra' ? 'missing' : k);
    fc.assert(fc.property(pair, ([a, b]) => {
      const ab = diffJson(a, b, opts).differences.map((d) => `${d.kind} ${d.path}`).sort();
      const ba = diffJson(b, a, opts).differences.map((d) => `${swap(d.kind)} ${d.path}`).sort();
      expect(ba).toEqual(ab);
    }));
  });

  it('every path points at a real difference of its kind, and equal trees are the only ones without one', () => {
    fc.assert(fc.property(pair, ([a, b]) => {
      const ds = diffJson(a, b, opts).differences;
      expect(ds.length === 0).toBe(canonicalText(a) === canonicalText(b));
      for (const d of ds) {
        const va = resolve(a, d.path);
        const vb = resolve(b, d.path);
        expect(normalisePath(d.path)).toBe(d.normPath);
        switch (d.kind) {
          case 'missing': expect(va).not.toBeUndefined(); expect(vb).toBeUndefined(); break;
          case 'extra': expect(va).toBeUndefined(); expect(vb).not.toBeUndefined(); break;
          case 'value': case 'type':
            expect(va).not.toBeUndefined(); expect(vb).not.toBeUndefined();
            expect(canonicalText(va as JsonNode)).not.toBe(canonicalText(vb as JsonNode));
            break;
          case 'size': expect((va as JsonNode[]).length).not.toBe((vb as JsonNode[]).length); break;
          case 'order': {
            const sa = (va as JsonNode[]).map(canonicalText);
            const sb = (vb as JsonNode[]).map(canonicalText);
            expect(sa).not.toEqual(sb);
            expect([...sa].sort()).toEqual([...sb].sort());
            break;
          }
        }
      }
    }));
  });
});

describe('canonicalNumber', () => {
  // a decimal as (sign, digits, exponent) rendered in many textual forms: all forms of one value share a canonical text
  const decimal = fc.record({ neg: fc.boolean(), digits: fc.bigInt({ min: 0n, max: 10n ** 25n }), exp: fc.integer({ min: -30, max: 30 }) });
  const render = (d: { neg: boolean; digits: bigint; exp: number }, pad: number, shift: number): string => {
    // value = digits × 10^exp, written as (digits × 10^pad) with exponent (exp − pad − shift) and `shift` decimals
    const m = (d.digits * 10n ** BigInt(pad)).toString().padStart(shift + 1, '0');
    const text = shift > 0 ? `${m.slice(0, m.length - shift)}.${m.slice(m.length - shift)}` : m;
    const e = d.exp - pad + shift;
    return `${d.neg ? '-' : ''}${text}${e === 0 ? '' : `e${e}`}`;
  };
  it('gives every textual form of one decimal the same canonical text, and different decimals different ones', () => {
    fc.assert(fc.property(decimal, fc.nat(5), fc.nat(6), fc.nat(5), fc.nat(6), (d, p1, s1, p2, s2) => {
      const a = render(d, p1, s1);
      const b = render(d, p2, s2);
      expect(parseJson(a).root).toBeInstanceOf(JsonNumber);
      expect(canonicalNumber(a)).toBe(canonicalNumber(b));
    }));
    fc.assert(fc.property(decimal, decimal, (x, y) => {
      const same = (x.digits === 0n && y.digits === 0n) ||
        (x.neg === y.neg && x.digits * 10n ** BigInt(x.exp + 30) === y.digits * 10n ** BigInt(y.exp + 30));
      expect(canonicalNumber(render(x, 0, 0)) === canonicalNumber(render(y, 0, 0))).toBe(same);
    }));
  });
});

describe('parseJsonFast', () => {
  it('gives the same tree as the exact parser, and uses it when a double could blur a number', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const text = JSON.stringify(v);
      expect(canonicalText(parseJsonFast(text).root)).toBe(canonicalText(parseJson(text).root));
    }));
    for (const [a, b] of [['[12345678901234567890]', '[12345678901234567891]'], ['{"x":1e400}', '{"x":1e401}'], ['[0.12345678901234567]', '[0.12345678901234568]']]) {
      expect(diffJson(parseJsonFast(a as string).root, parseJsonFast(b as string).root).differences).toHaveLength(1);
    }
    expect(parseJsonFast('[[[[1]]]]', { maxDepth: 2 }).depthLimited).toBe(true);
    expect(() => parseJsonFast('[1,2,3,4]', { maxNodes: 3 })).toThrow(/nodes limit of 3/);
  });
});

describe('diffJson examples', () => {
  it('reports renamed fields, rounding, types, sizes and order with normalised paths', () => {
    const a = j('{"invoices":[{"id":1,"amount":12.5,"customerName":"A"},{"id":2,"amount":7}],"tags":["x","y"],"n":"1","list":[1,2,3]}');
    const b = j('{"invoices":[{"id":1,"amount":12.49,"customer_name":"A"},{"id":2,"amount":7.00}],"tags":["y","x"],"n":1,"list":[1,2]}');
    const ds = diffJson(a, b).differences;
    expect(kinds(ds)).toEqual([
      'extra $.invoices[0].customer_name', 'missing $.invoices[0].customerName', 'order $.tags', 'size $.list',
      'type $.n', 'value $.invoices[0].amount',
    ]);
    expect(ds.find((d) => d.kind === 'value')?.normPath).toBe('$.invoices[*].amount');
  });

  it('compares numbers exactly as decimals: 12.5 = 12.50 = 1.25e1, 12.49 ≠ 12.5, big integers exact', () => {
    expect(canonicalNumber('12.50')).toBe(canonicalNumber('1.25e1'));
    expect(canonicalNumber('-0.0')).toBe(canonicalNumber('0'));
    expect(diffJson(j('[12.5, 100, 0.1]'), j('[12.50, 1e2, 1.0e-1]')).differences).toEqual([]);
    expect(kinds(diffJson(j('{"x":12.49}'), j('{"x":12.5}')).differences)).toEqual(['value $.x']);
    // equal as doubles, different as decimals
    expect(kinds(diffJson(j('{"x":12345678901234567890}'), j('{"x":12345678901234567891}')).differences)).toEqual(['value $.x']);
    expect((diffJson(j('{"x":12.49}'), j('{"x":12.5}')).differences[0]?.next as JsonNumber).text).toBe('12.5');
  });

  it('matches keyed arrays by id, ignoring their order', () => {
    const a = j('{"items":[{"id":1,"q":1},{"id":2,"q":2},{"id":3,"q":3}]}');
    const b = j('{"items":[{"id":2,"q":2},{"id":1,"q":5},{"id":4,"q":4}]}');
    const ds = diffJson(a, b, { keyedArrays: { '$.items': 'id' } }).differences;
    expect(kinds(ds)).toEqual(['extra $.items[id=4]', 'missing $.items[id=3]', 'value $.items[id=1].q']);
    expect(ds.map((d) => d.normPath).sort()).toEqual(['$.items[*]', '$.items[*]', '$.items[*].q']);
  });

  it('bounds the work: differences cap, depth limit compared as text, node limit falls back to bytes', () => {
    const many = JSON.stringify(Array.from({ length: 500 }, (_, i) => i));
    const other = JSON.stringify(Array.from({ length: 500 }, (_, i) => -i - 1));
    const r = diffJson(j(many), j(other), { maxDifferences: 10 });
    expect(r.differences).toHaveLength(10);
    expect(r.limits).toContain('differences');

    const deep = (leaf: string): string => `${'['.repeat(100)}${leaf}${']'.repeat(100)}`;
    const res = diffResponses(json(deep('1')), json(deep('2')), { maxDepth: 10 });
    expect(res.limits).toContain('depth');
    expect(res.differences).toHaveLength(1);
    expect(res.differences[0]?.path).toBe(`$${'[0]'.repeat(10)}`);
    expect(diffResponses(json(deep('1')), json(deep(' 1')), { maxDepth: 10 }).differences).toEqual([]);

    const big = diffResponses(json(many), json(other), { maxNodes: 100 });
    expect(big.limits).toEqual(['nodes']);
    expect(big.differences.map((d) => d.path)).toEqual(['$']);
    expect(big.differences[0]?.note).toMatch(/text body, \d+ vs \d+ bytes/);
  });
});

function json(body: string, status = 200): { status: number; headers: Record<string, string>; body: Buffer } {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
}

describe('diffResponses', () => {
  it('compares status, chosen headers and bodies; text and JSON-vs-text bodies', () => {
    const a = { ...json('{"a":1}'), headers: { 'content-type': 'application/json;charset=utf-8' } };
    const b = { status: 404, headers: { 'content-type': 'Application/JSON; charset=UTF-8', 'x-v': '2' }, body: Buffer.from('{"a":1}') };
    expect(kinds(diffResponses(a, b, { compareHeaders: ['content-type', 'x-v'] }).differences)).toEqual(['extra header:x-v', 'value status']);
    const text = { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello') };
    const text2 = { ...text, body: Buffer.from('hello!') };
    const d = diffResponses(text, text2).differences;
    expect(kinds(d)).toEqual(['value $']);
    expect(d[0]?.note).toBe('text body, 5 vs 6 bytes');
    expect(diffResponses(text, { ...text }).differences).toEqual([]);
    const t = diffResponses(json('{"a":1}'), { ...text, headers: { 'content-type': 'application/json' }, body: Buffer.from('<html>') }).differences;
    expect(kinds(t)).toEqual(['type $']);
    expect(t[0]?.note).toMatch(/JSON body in legacy, non-JSON body in next/);
  });
});
