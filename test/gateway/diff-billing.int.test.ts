import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegacyApp, startNextApp, type RunningApp } from '../../examples/billing/index.js';
import { billingFixture, cleanCustomerIds, type BillingFixture } from '../../examples/billing/test/fixture.js';
import { DiffSink } from '../../src/gateway/diff/diff-sink.js';
import type { DiffReport } from '../../src/gateway/diff/report.js';
import type { RouteSpec } from '../../src/gateway/routing/route.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';

/**
 * The real billing apps behind the real gateway in shadow mode, with a second legacy instance for noise cancellation.
 * Next runs with the three fault switches on: `address.postalCode` renamed `zipCode`, amounts incl. tax truncated
 * instead of rounded, and the wrong status mapping (suspended customers → active, reminded invoices → issued).
 * The expected differences are derived from legacy's own answers and the fault definitions, independently of the diff.
 */
type Json = Record<string, unknown>;
let f: BillingFixture;
let legacy: RunningApp;
let legacy2: RunningApp;
let next: RunningApp;
let gateway: Gateway;
let sink: DiffSink;
let report: DiffReport;
const expected = new Map<string, { requests: number; differing: number; fields: Map<string, number> }>();

const shadow = (id: string, path: string): RouteSpec => ({ id, match: { methods: ['GET'], path }, mode: { kind: 'shadow' } });

function expect1(endpoint: string, fields: string[]): void {
  const e = expected.get(endpoint) ?? { requests: 0, differing: 0, fields: new Map() };
  e.requests++;
  if (fields.length > 0) e.differing++;
  for (const p of new Set(fields)) e.fields.set(p, (e.fields.get(p) ?? 0) + 1);
  expected.set(endpoint, e);
}

const truncated = (inv: Json): boolean =>
  typeof inv.amountExclTax === 'number' && typeof inv.vatRate === 'number' &&
  Math.trunc(inv.amountExclTax * (100 + inv.vatRate)) / 100 !== inv.amountInclTax;

async function getJson(url: string): Promise<Json> {
  const r = await request(url);
  return (await r.body.json()) as Json;
}

beforeAll(async () => {
  f = await billingFixture(80, 11, 0.0);
  legacy = await startLegacyApp({ db: f.legacy });
  legacy2 = await startLegacyApp({ db: f.legacy });
  next = await startNextApp({ db: f.next, faults: { renamedField: true, rounding: true, wrongStatus: true } });
  sink = new DiffSink();
  gateway = createGateway({
    legacy: legacy.url, next: next.url, legacy2: legacy2.url, sink,
    routes: [shadow('customer', '/customers/:id'), shadow('invoices', '/customers/:id/invoices'), shadow('invoice', '/invoices/:num')],
  });
  const gw = `http://127.0.0.1:${(await gateway.listen(0)).port}`;

  for (const id of cleanCustomerIds(f).slice(0, 40)) {
    // through the gateway (the user's answer comes from legacy) ...
    const c = await getJson(`${gw}/customers/${id}`);
    const list = await getJson(`${gw}/customers/${id}/invoices`);
    const invoices = (list.invoices as Json[]).slice(0, 2);
    for (const inv of invoices) await getJson(`${gw}/invoices/${inv.number as number}`);
    // ... and what the faults must change, from legacy's answer alone
    const cust = c.customer as Json;
    expect1('GET /customers/:id', [
      ...('postalCode' in (cust.address as Json) ? ['$.customer.address.postalCode', '$.customer.address.zipCode'] : []),
      ...(cust.status === 'suspended' ? ['$.customer.status'] : []),
    ]);
    expect1('GET /customers/:id/invoices', (list.invoices as Json[]).flatMap((inv) => [
      ...(truncated(inv) ? ['$.invoices[*].amountInclTax'] : []),
      ...(inv.status === 'reminded' ? ['$.invoices[*].status'] : []),
    ]));
    for (const s of invoices) {
      const inv = (await getJson(`${legacy.url}/invoices/${s.number as number}`)).invoice as Json;
      expect1('GET /invoices/:num', [...(truncated(inv) ? ['$.invoice.amountInclTax'] : []), ...(inv.status === 'reminded' ? ['$.invoice.status'] : [])]);
    }
  }
  await gateway.close(); // drains the mirror and the diff queue
  report = sink.report();
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  for (const app of [legacy, legacy2, next]) await app?.close();
  await f?.drop();
});

describe('shadow diff with the billing apps', () => {
  it('the fixture exercises every fault', () => {
    const all = [...expected.values()].flatMap((e) => [...e.fields.keys()]);
    expect(all).toEqual(expect.arrayContaining(['$.customer.address.zipCode', '$.invoices[*].amountInclTax', '$.invoice.amountInclTax']));
    expect(all.some((p) => p.endsWith('.status'))).toBe(true);
  });

  it('reports exactly the injected differences as real, with the right counts, and no noise field', () => {
    for (const [endpoint, e] of expected) {
      const ep = report.endpoints.find((x) => x.endpoint === endpoint);
      expect(ep, endpoint).toBeDefined();
      expect(ep!.compared, endpoint).toBe(e.requests);
      expect(ep!.withNoise, endpoint).toBe(e.requests);
      const real = Object.fromEntries(ep!.fields.filter((x) => x.real).map((x) => [x.path, x.differing]));
      expect(real, endpoint).toEqual(Object.fromEntries(e.fields));
      expect(ep!.compatible, endpoint).toBe(e.requests - e.differing);
    }
  });

  it('sees the noise fields differ on every request and cancels them against the second legacy', () => {
    for (const ep of report.endpoints) {
      const gen = ep.fields.find((x) => x.path === '$.generatedAt');
      const rid = ep.fields.find((x) => x.path === '$.requestId');
      expect(rid).toMatchObject({ real: false, differing: ep.compared, noise: ep.compared });
      // timestamps: legacy and legacy2 often answer within the same millisecond, next (other latency) less often;
      // legacy's own disagreement on the field marks it non-deterministic
      if (gen) expect(gen).toMatchObject({ real: false, reason: 'nondeterministic' });
    }
  });

  it('keeps redacted samples with trace ids', () => {
    const ep = report.endpoints.find((x) => x.endpoint === 'GET /customers/:id')!;
    const zip = ep.fields.find((x) => x.path === '$.customer.address.zipCode')!;
    const s = zip.kinds[0]!.samples[0]!;
    expect(zip.kinds[0]!.kind).toBe('extra');
    expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(s.next).toBe('"***"'); // a postal code is PII
    expect(s.request).toMatch(/^GET \/customers\/\d+$/);
  });
});
