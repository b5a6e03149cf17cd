import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapturedResponse, Exchange } from '../../src/gateway/exchange.js';
import { DiffAggregator, type AggregatorOptions } from '../../src/gateway/diff/aggregate.js';
import { DiffSink } from '../../src/gateway/diff/diff-sink.js';
import { NoiseRules } from '../../src/gateway/diff/noise.js';
import { renderMetrics, resetMetrics } from '../../src/observe/metrics.js';
import type { DiffReport, EndpointReport } from '../../src/gateway/diff/report.js';

function resp(status: number, body: unknown): CapturedResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), truncated: false, durationMs: 1 };
}

/** What every answer carries that changes on every call: the noise Diffy cancels. */
let clock = Date.UTC(2026, 10, 26, 11);
const noisy = (): Record<string, unknown> => ({ generatedAt: new Date(clock++).toISOString(), requestId: randomUUID() });
/** Deterministic coin (mulberry32) so the statistics in the assertions never flake. */
let state = 42;
function coin(): boolean {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296 < 0.5;
}

let seq = 0;
function exchange(endpoint: string, url: string, legacy: CapturedResponse, next: CapturedResponse, legacy2?: CapturedResponse): Exchange {
  const base = { routeId: endpoint.split(' ')[1]?.split('/')[1] ?? 'r', endpoint, request: { method: 'GET', url, headers: {} },
    legacy, next, traceId: (++seq).toString(16).padStart(32, '0'), at: 1_700_000_000_000 + seq };
  return legacy2 ? { ...base, legacy2 } : base;
}

/**
 * A simulated stream of N requests per endpoint. Injected differences:
 * - GET /customers/:id: next renamed `customerName` to `customer_name` (every request);
 * - GET /invoices/:id: next rounds totals to 2 decimals differently (12.345 → 12.34 vs 12.35) on every 4th request;
 * - GET /payments/:id: an unknown payment is 404 in legacy and 400 in next (every 5th request).
 * Everything else is identical except the noise (timestamps, generated ids, a cache flag that flips at random).
 */
function simulate(n: number, withLegacy2: boolean): Exchange[] {
  const out: Exchange[] = [];
  for (let i = 0; i < n; i++) {
    const cacheHit = coin;
    const cust = { id: i, customerName: `Customer ${i}`, tier: 'gold' };
    const mk = (body: Record<string, unknown>): CapturedResponse => resp(200, { ...body, ...noisy(), cacheHit: cacheHit() });
    out.push(exchange('GET /customers/:id', `/customers/${i}`, mk(cust),
      mk({ id: i, customer_name: `Customer ${i}`, tier: 'gold' }), withLegacy2 ? mk(cust) : undefined));

    const rounded = i % 4 === 0;
    const inv = { id: i, lines: [{ sku: 'a', total: 10 }, { sku: 'b', total: 2.35 }], total: 12.35 };
    const invNext = rounded ? { ...inv, lines: [{ sku: 'a', total: 10 }, { sku: 'b', total: 2.34 }], total: 12.34 } : inv;
    out.push(exchange('GET /invoices/:id', `/invoices/${i}`, mk(inv), mk(invNext), withLegacy2 ? mk(inv) : undefined));

    const missing = i % 5 === 0;
    const payLegacy = missing ? resp(404, { error: 'not found', ...noisy() }) : mk({ id: i, amount: 5 });
    const payNext = missing ? resp(400, { error: 'not found', ...noisy() }) : mk({ id: i, amount: 5 });
    const payLegacy2 = missing ? resp(404, { error: 'not found', ...noisy() }) : mk({ id: i, amount: 5 });
    out.push(exchange('GET /payments/:id', `/payments/${i}`, payLegacy, payNext, withLegacy2 ? payLegacy2 : undefined));
  }
  return out;
}

function run(exchanges: Exchange[], options: AggregatorOptions = {}): DiffReport {
  const agg = new DiffAggregator(options);
  for (const ex of exchanges) agg.observe(ex);
  return agg.report();
}

const ep = (r: DiffReport, name: string): EndpointReport => {
  const e = r.endpoints.find((x) => x.endpoint === name);
  if (!e) throw new Error(`no endpoint ${name}`);
  return e;
};
const realFields = (e: EndpointReport): string[] => e.fields.filter((f) => f.real).map((f) => `${f.kinds.map((k) => k.kind).join('+')} ${f.path}`).sort();

describe('noise cancellation (Diffy)', () => {
  it('reports exactly the injected differences, not timestamps, generated ids or random flags', () => {
    const r = run(simulate(200, true));
    expect(realFields(ep(r, 'GET /customers/:id'))).toEqual(['extra $.customer_name', 'missing $.customerName']);
    expect(realFields(ep(r, 'GET /invoices/:id'))).toEqual(['value $.lines[*].total', 'value $.total']);
    expect(realFields(ep(r, 'GET /payments/:id'))).toEqual(['value status']);
    // the noise was seen, counted as noise and judged within it
    const gen = ep(r, 'GET /invoices/:id').fields.find((f) => f.path === '$.generatedAt');
    expect(gen).toMatchObject({ real: false, reason: 'nondeterministic', raw: 200, noise: 200 });
    const flag = ep(r, 'GET /invoices/:id').fields.find((f) => f.path === '$.cacheHit');
    expect(flag?.real).toBe(false);
    expect(flag?.raw).toBeGreaterThan(0);
    // compatibility: share of requests without any real difference
    expect(ep(r, 'GET /customers/:id').compatibility).toBe(0);
    expect(ep(r, 'GET /invoices/:id').compatibility).toBe(0.75);
    expect(ep(r, 'GET /payments/:id').compatibility).toBe(0.8);
    expect(r.compared).toBe(600);
    expect(r.compatible).toBe(0 + 150 + 160);
    expect(r.withNoise).toBe(600);
  });

  it('keeps samples with trace ids, both values, and first/last seen', () => {
    const r = run(simulate(20, true));
    const total = ep(r, 'GET /invoices/:id').fields.find((f) => f.path === '$.total');
    const kind = total?.kinds[0];
    expect(kind?.count).toBe(5);
    expect(kind?.samples).toHaveLength(3);
    expect(kind?.samples[0]).toMatchObject({ path: '$.total', legacy: '12.35', next: '12.34', request: 'GET /invoices/0' });
    expect(kind?.samples[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(kind?.lastSeen ?? '')).toBeGreaterThan(Date.parse(kind?.firstSeen ?? ''));
  });

  it('without a second legacy only ignored prefixes apply', () => {
    const stream = simulate(40, false);
    const noisyReport = run(stream);
    expect(realFields(ep(noisyReport, 'GET /payments/:id'))).toContain('value $.generatedAt');
    const r = run(stream, { noise: { ignore: ['$.generatedAt', '$.requestId'], ignoreByRoute: { 'GET /customers/:id': ['$.cacheHit'], invoices: ['$.cacheHit'], payments: ['$.cacheHit'] } } });
    expect(realFields(ep(r, 'GET /customers/:id'))).toEqual(['extra $.customer_name', 'missing $.customerName']);
    expect(realFields(ep(r, 'GET /invoices/:id'))).toEqual(['value $.lines[*].total', 'value $.total']);
    expect(realFields(ep(r, 'GET /payments/:id'))).toEqual(['value status']);
    expect(ep(r, 'GET /invoices/:id').ignoredDifferences).toBeGreaterThan(80);
    expect(ep(r, 'GET /invoices/:id').compatibility).toBe(0.75);
  });

  it('a field legacy disagrees with itself on is non-deterministic: value noise cancelled even when asymmetric, new kinds still real', () => {
    const exchanges: Exchange[] = [];
    for (let i = 0; i < 100; i++) {
      // legacy2 often answers in the same millisecond as legacy; next (slower) never does; on 10 requests next omits it
      const at = `2026-01-01T00:00:00.${String(i).padStart(3, '0')}Z`;
      const l = resp(200, { id: i, at });
      const l2 = resp(200, { id: i, at: i % 3 === 0 ? `${at.slice(0, -1)}9Z` : at });
      const n = resp(200, i % 10 === 0 ? { id: i } : { id: i, at: 'later' });
      exchanges.push(exchange('GET /x/:id', `/x/${i}`, l, n, l2));
    }
    const f = ep(run(exchanges), 'GET /x/:id').fields.find((x) => x.path === '$.at');
    expect(f).toMatchObject({ real: true, reason: 'above-noise', differing: 100, noise: 34 });
    expect(f?.kinds.map((k) => [k.kind, k.count]).sort()).toEqual([['missing', 10], ['value', 90]]);
    const onlyValues = exchanges.map((e, i) => (i % 10 === 0 ? { ...e, next: resp(200, { id: i, at: 'later' }) } : e));
    expect(ep(run(onlyValues), 'GET /x/:id').fields.find((x) => x.path === '$.at')).toMatchObject({ real: false, reason: 'nondeterministic' });
    expect(ep(run(onlyValues, { noise: { nondeterministicFloor: 50 } }), 'GET /x/:id').fields.find((x) => x.path === '$.at')?.real).toBe(true);
  });

  it('thresholds follow Diffy: raw > noise, relative and absolute percentages', () => {
    const rules = new NoiseRules({ relativeThreshold: 20, absoluteThreshold: 1 });
    expect(rules.classify({ raw: 100, noise: 100, total: 100, rawAll: 100 }).real).toBe(false);
    expect(rules.classify({ raw: 100, noise: 70, total: 100, rawAll: 100 })).toMatchObject({ real: false, relative: 17.647 });
    expect(rules.classify({ raw: 100, noise: 60, total: 100, rawAll: 100 })).toMatchObject({ real: true, relative: 25, absolute: 40 });
    expect(rules.classify({ raw: 1, noise: 0, total: 1000, rawAll: 1 }).real).toBe(false); // 0.1% < 1% absolute
    expect(rules.classify({ raw: 0, noise: 0, total: 0, rawAll: 3 })).toMatchObject({ real: true, reason: 'no-noise-data' });
    expect(() => new NoiseRules({ relativeThreshold: -1 })).toThrow(/noise.relativeThreshold: must be a percentage/);
    expect(() => new NoiseRules({ ignore: ['generatedAt'] })).toThrow(/noise.ignore\[0\].*must start with "\$"/);
    expect(() => new NoiseRules({ ignoreByRoute: { r: ['header:X-Id'] } })).toThrow(/noise.ignoreByRoute\["r"\]\[0\].*lower case/);
  });

  it('bounds memory with caps and says so in the report', () => {
    const r = run(simulate(30, true), { caps: { maxEndpoints: 2, maxFieldsPerEndpoint: 3, samplesPerKind: 1 } });
    expect(r.endpoints.map((e) => e.endpoint)).toEqual(['GET /customers/:id', 'GET /invoices/:id']);
    expect(r.limits.droppedEndpoints).toBe(30);
    expect(r.limits.droppedFields).toBeGreaterThan(0);
    for (const e of r.endpoints) {
      expect(e.fields.length).toBeLessThanOrEqual(3);
      for (const f of e.fields) for (const k of f.kinds) expect(k.samples.length).toBeLessThanOrEqual(1);
    }
  });
});

describe('aggregation properties', () => {
  // small random answers: a few fields that may or may not differ, with or without a second legacy
  const answer = fc.record({ a: fc.constantFrom(1, 2), b: fc.constantFrom('x', 'y'), c: fc.option(fc.constantFrom(true, false), { nil: undefined }) });
  const item = fc.record({ ep: fc.constantFrom('GET /p', 'GET /q'), l: answer, n: answer, l2: fc.option(answer, { nil: undefined }), status: fc.constantFrom(200, 200, 404) });
  const toExchange = (x: { ep: string; l: object; n: object; l2: object | undefined; status: number }, i: number): Exchange =>
    exchange(x.ep, `/${i}`, resp(200, x.l), resp(x.status, x.n), x.l2 ? resp(200, x.l2) : undefined);
  const summary = (r: DiffReport): unknown => r.endpoints.map((e) => ({
    endpoint: e.endpoint, compared: e.compared, compatible: e.compatible,
    fields: e.fields.map((f) => ({ path: f.path, real: f.real, raw: f.raw, noise: f.noise, kinds: f.kinds.map((k) => [k.kind, k.count]).sort() })).sort((a, b) => (a.path < b.path ? -1 : 1)),
  }));

  it('does not depend on arrival order, and compatibility counts exactly the requests without a real field', () => {
    fc.assert(fc.property(fc.array(item, { minLength: 1, maxLength: 40 }), fc.infiniteStream(fc.nat()), (items, rnd) => {
      const exchanges = items.map(toExchange);
      const shuffled = [...exchanges];
      const it = rnd[Symbol.iterator]();
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = (it.next().value as number) % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as Exchange, shuffled[i] as Exchange];
      }
      const a = run(exchanges);
      expect(summary(run(shuffled))).toEqual(summary(a));
      // recompute compatibility independently: a request is compatible iff none of its differing paths is real
      const agg = new DiffAggregator();
      const perRequest = exchanges.map((ex) => ({ ex, paths: new Set(agg.observe(ex).differences.map((d) => d.normPath)) }));
      for (const e of a.endpoints) {
        const real = new Set(e.fields.filter((f) => f.real).map((f) => f.path));
        const ok = perRequest.filter((p) => p.ex.endpoint === e.endpoint && ![...p.paths].some((x) => real.has(x))).length;
        expect(e.compatible).toBe(ok);
        expect(e.compatibility).toBeGreaterThanOrEqual(0);
        expect(e.compatibility).toBeLessThanOrEqual(1);
      }
    }), { numRuns: 150 });
  });
});

describe('DiffSink', () => {
  it('queues off the hot path, drops and counts when full, never throws', async () => {
    const persisted: DiffReport[] = [];
    const sink = new DiffSink({ queueSize: 50, persist: (r) => { persisted.push(r); } });
    const stream = simulate(40, true); // 120 exchanges into a queue of 50
    for (const ex of stream) sink.accept(ex);
    sink.accept({ broken: true } as unknown as Exchange); // a malformed exchange must not throw either
    await sink.close();
    const r = sink.report();
    expect(r.limits.queueDropped).toBe(71);
    expect(r.compared).toBe(50);
    expect(persisted).toHaveLength(1);
    expect(persisted[0]?.compared).toBe(50);
  });

  it('compares everything it accepted when the queue is large enough, and counts in Prometheus', async () => {
    resetMetrics();
    const sink = new DiffSink({ queueSize: 1000 });
    for (const ex of simulate(40, true)) sink.observe(ex);
    await sink.flush();
    const r = sink.report();
    expect(r.compared).toBe(120);
    expect(ep(r, 'GET /invoices/:id').compatibility).toBe(0.75);
    const text = (await renderMetrics()).body;
    expect(text).toContain('siphon_diff_exchanges_total{route="invoices",outcome="different"} 40');
    expect(text).toContain('siphon_diff_differences_total{route="invoices",kind="value"}');
    expect(text).toContain('siphon_diff_compatibility_ratio{route="invoices"} 0.75');
  });
});
