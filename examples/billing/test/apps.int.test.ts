import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CustomerResponse, ErrorResponse, HealthResponse, InvoiceListResponse, InvoiceResponse, PaymentResponse } from '../contract.js';
import { startLegacyApp, startNextApp } from '../index.js';
import type { RunningApp } from '../index.js';
import { faultsFromEnv } from '../http/faults.js';
import type { BillingFixture } from './fixture.js';
import { billingFixture, cleanCustomerIds, denoise } from './fixture.js';

let f: BillingFixture;
let legacy: RunningApp;
let next: RunningApp;
const TOKEN = 'test-admin-token';

beforeAll(async () => {
  f = await billingFixture(120, 4, 0.05);
  legacy = await startLegacyApp({ db: f.legacy });
  next = await startNextApp({ db: f.next, adminToken: TOKEN });
});
afterAll(async () => {
  await legacy?.close();
  await next?.close();
  await f?.drop();
});

async function get(app: RunningApp, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(app.url + path, init);
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, headers: r.headers };
}
const send = (app: RunningApp, method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  get(app, path, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

function conforms(schema: z.ZodType, body: unknown): string[] {
  const r = schema.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

/** Ids of clean customers with the given legacy status and at least one invoice with the given status. */
function findCustomer(pred: (rows: BillingFixture['customers'][number]) => boolean): number {
  const id = cleanCustomerIds(f).find((i) => pred(f.customers[i - 1]!));
  if (id === undefined) throw new Error('fixture has no such customer; change the seed');
  return id;
}
const invoicesOf = (rows: BillingFixture['customers'][number]) => rows.filter((g) => g.table === 'FACTURE').map((g) => g.row);

describe('billing apps: one API contract', () => {
  it('both answer every read endpoint in the contract, and identically for clean customers', async () => {
    const ids = cleanCustomerIds(f).slice(0, 15);
    expect(ids.length).toBeGreaterThan(5);
    for (const app of [legacy, next]) {
      const h = await get(app, '/health');
      expect(h.status).toBe(200);
      expect(conforms(HealthResponse, h.body)).toEqual([]);
    }
    for (const id of ids) {
      const [a, b] = [await get(legacy, `/customers/${id}`), await get(next, `/customers/${id}`)];
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(conforms(CustomerResponse, a.body)).toEqual([]);
      expect(conforms(CustomerResponse, b.body)).toEqual([]);
      expect(denoise(b.body)).toEqual(denoise(a.body));
      const [la, lb] = [await get(legacy, `/customers/${id}/invoices`), await get(next, `/customers/${id}/invoices`)];
      expect(conforms(InvoiceListResponse, la.body)).toEqual([]);
      expect(conforms(InvoiceListResponse, lb.body)).toEqual([]);
      expect(denoise(lb.body)).toEqual(denoise(la.body));
      for (const inv of (la.body.invoices as { number: number }[]).slice(0, 3)) {
        const [ia, ib] = [await get(legacy, `/invoices/${inv.number}`), await get(next, `/invoices/${inv.number}`)];
        expect(conforms(InvoiceResponse, ia.body)).toEqual([]);
        expect(conforms(InvoiceResponse, ib.body)).toEqual([]);
        expect(denoise(ib.body)).toEqual(denoise(ia.body));
      }
    }
  });

  it('carries noise fields and the request id, and answers errors in JSON', async () => {
    const a = await get(legacy, '/customers/1', { headers: { 'x-request-id': 'abc-123' } });
    expect(a.headers.get('x-request-id')).toBe('abc-123');
    expect(a.body.requestId).toBe('abc-123');
    for (const app of [legacy, next]) {
      for (const [path, status] of [['/customers/999999', 404], ['/customers/abc', 400], ['/customers/%E0%A4%A', 400], ['/invoices/0', 400], ['/nowhere', 404]] as const) {
        const r = await get(app, path);
        expect(r.status, path).toBe(status);
        expect(conforms(ErrorResponse, r.body)).toEqual([]);
      }
    }
  });

  it('shows the legacy dirt the mapping cleans: mojibake on legacy, repaired on next', async () => {
    const id = f.customers.findIndex((rows) => rows[0]!.defect === 'mojibake') + 1;
    expect(id).toBeGreaterThan(0);
    const [a, b] = [await get(legacy, `/customers/${id}`), await get(next, `/customers/${id}`)];
    const text = (x: Record<string, unknown>) => JSON.stringify(x.customer);
    expect(text(a.body)).toMatch(/Ã/);
    expect(text(b.body)).not.toMatch(/Ã/);
  });

  it('records a payment and updates an address the same way on both, and dry runs change nothing', async () => {
    const id = findCustomer((rows) => invoicesOf(rows).some((i) => i.FAC_STATUT === 1));
    const inv = invoicesOf(f.customers[id - 1]!).find((i) => i.FAC_STATUT === 1)!;
    const amount = Number(inv.FAC_MT_TTC);
    for (const app of [legacy, next]) {
      const dry = await send(app, 'POST', `/customers/${id}/payments`, { invoiceNumber: inv.FAC_NUM, amount, method: 'card' }, { 'x-siphon-dry-run': '1' });
      expect(dry.status).toBe(201);
      expect((await get(app, `/invoices/${inv.FAC_NUM}`)).body.invoice).toMatchObject({ status: 'issued', payments: [] });
      const paid = await send(app, 'POST', `/customers/${id}/payments`, { invoiceNumber: inv.FAC_NUM, amount, method: 'card' });
      expect(paid.status).toBe(201);
      expect(conforms(PaymentResponse, paid.body)).toEqual([]);
      expect(paid.body.invoiceStatus).toBe('paid');
      const after = (await get(app, `/invoices/${inv.FAC_NUM}`)).body.invoice as { status: string; payments: { amount: number; method: string }[] };
      expect(after.status).toBe('paid');
      expect(after.payments).toMatchObject([{ amount, method: 'card' }]);

      const address = { line1: '3 place du Marché', line2: null, postalCode: '69002', city: 'Lyon', country: 'fr' };
      const dryAddr = await send(app, 'PUT', `/customers/${id}/address`, address, { 'x-siphon-dry-run': 'true' });
      expect((dryAddr.body.customer as { address: unknown }).address).toMatchObject({ city: 'Lyon', country: 'FR' });
      expect(((await get(app, `/customers/${id}`)).body.customer as { address: { city: string } }).address.city).not.toBe('Lyon');
      const put = await send(app, 'PUT', `/customers/${id}/address`, address);
      expect(put.status).toBe(200);
      expect(((await get(app, `/customers/${id}`)).body.customer as { address: unknown }).address).toEqual({ ...address, country: 'FR' });

      expect((await send(app, 'POST', `/customers/${id}/payments`, { invoiceNumber: inv.FAC_NUM, amount: -3, method: 'card' })).status).toBe(400);
      expect((await send(app, 'POST', `/customers/${id}/payments`, { invoiceNumber: inv.FAC_NUM, amount: 1, method: 'bitcoin' })).status).toBe(400);
      expect((await send(app, 'POST', `/customers/${id + 1}/payments`, { invoiceNumber: inv.FAC_NUM, amount: 1, method: 'card' })).status).toBeOneOf([404, 409]);
      expect((await send(app, 'POST', `/customers/${id}/payments`, { invoiceNumber: 99_999_999, amount: 1, method: 'card' })).status).toBe(404);
      expect((await send(app, 'PUT', `/customers/${id}/address`, { line1: 'x' })).status).toBe(400);
      const notJson = await fetch(`${app.url}/customers/${id}/address`, { method: 'PUT', body: '{nope' });
      expect(notJson.status).toBe(400);
    }
  });
});

describe('billing apps: injected differences', () => {
  const withFaults = async (faults: Record<string, unknown>, fn: () => Promise<void>) => {
    next.setFaults(faults);
    try { await fn(); } finally { next.setFaults({}); }
  };

  it('renamedField: postalCode answered as zipCode, which breaks the contract', async () => {
    const id = cleanCustomerIds(f)[0]!;
    await withFaults({ renamedField: true }, async () => {
      const b = await get(next, `/customers/${id}`);
      const addr = (b.body.customer as { address: Record<string, unknown> }).address;
      expect(addr).toHaveProperty('zipCode');
      expect(addr).not.toHaveProperty('postalCode');
      expect(conforms(CustomerResponse, b.body).join()).toMatch(/postalCode/);
    });
    expect(conforms(CustomerResponse, (await get(next, `/customers/${id}`)).body)).toEqual([]);
  });

  it('rounding: amounts incl. tax are off by a cent where the legacy rounds half up', async () => {
    const id = findCustomer((rows) => invoicesOf(rows).some((i) => (Math.round(Number(i.FAC_MT_HT) * 100) * 120) % 100 >= 50));
    await withFaults({ rounding: true }, async () => {
      const [a, b] = [await get(legacy, `/customers/${id}/invoices`), await get(next, `/customers/${id}/invoices`)];
      const la = a.body.invoices as { number: number; amountInclTax: number }[];
      const lb = b.body.invoices as { number: number; amountInclTax: number }[];
      const diffs = la.filter((x, i) => x.amountInclTax !== lb[i]!.amountInclTax);
      expect(diffs.length).toBeGreaterThan(0);
      for (const x of diffs) expect(Math.abs(x.amountInclTax - lb[la.indexOf(x)]!.amountInclTax)).toBeCloseTo(0.01, 5);
      expect(conforms(InvoiceListResponse, b.body)).toEqual([]);
    });
  });

  it('wrongStatus: a suspended customer answers active, a reminded invoice issued', async () => {
    const id = f.customers.findIndex((rows) => !rows[0]!.defect && rows[0]!.row.CLI_STATUT === 2) + 1;
    expect(id).toBeGreaterThan(0);
    const reminded = f.customers.flat().find((g) => g.table === 'FACTURE' && !g.defect && g.row.FAC_STATUT === 3)!.row.FAC_NUM;
    expect(((await get(next, `/customers/${id}`)).body.customer as { status: string }).status).toBe('suspended');
    expect(((await get(next, `/invoices/${reminded}`)).body.invoice as { status: string }).status).toBe('reminded');
    await withFaults({ wrongStatus: true }, async () => {
      expect(((await get(legacy, `/customers/${id}`)).body.customer as { status: string }).status).toBe('suspended');
      expect(((await get(next, `/customers/${id}`)).body.customer as { status: string }).status).toBe('active');
      expect(((await get(next, `/invoices/${reminded}`)).body.invoice as { status: string }).status).toBe('issued');
    });
  });

  it('errorRate: a reproducible share of requests answers 500', async () => {
    await withFaults({ errorRate: 1 }, async () => {
      const r = await get(next, '/customers/1');
      expect(r.status).toBe(500);
      expect(conforms(ErrorResponse, r.body)).toEqual([]);
    });
    const statuses = async () => { const out: number[] = []; for (let i = 0; i < 30; i++) out.push((await get(next, '/health')).status); return out; };
    let first: number[] = [];
    await withFaults({ errorRate: 0.5, errorSeed: 9 }, async () => { first = await statuses(); });
    expect(first).toContain(500);
    expect(first).toContain(200);
    await withFaults({ errorRate: 0.5, errorSeed: 9 }, async () => { expect(await statuses()).toEqual(first); });
  });

  it('slowMs on one route and hang: the client gives up, other routes still answer, close() ends hung requests', async () => {
    await withFaults({ slowMs: 30_000, slowRoute: 'GET /customers/:id/invoices' }, async () => {
      await expect(fetch(`${next.url}/customers/1/invoices`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
      expect((await get(next, '/customers/1')).status).toBeOneOf([200, 404]);
    });
    const hung = await startNextApp({ db: f.next, faults: { hang: true } });
    const pending = fetch(`${hung.url}/health`).then(() => 'answered', () => 'failed');
    await expect(fetch(`${hung.url}/health`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    await hung.close();
    expect(await pending).toBe('failed');
  });

  it('faults change at run time through the admin endpoint, with the bearer token only', async () => {
    const put = (auth: string | undefined, body: unknown) => fetch(`${next.url}/_admin/faults`, { method: 'PUT', headers: auth ? { authorization: auth } : {}, body: JSON.stringify(body) });
    expect((await put(undefined, { wrongStatus: true })).status).toBe(401);
    expect((await put('Bearer nope', { wrongStatus: true })).status).toBe(401);
    expect((await put(`Bearer ${TOKEN}`, { slowMs: -1 })).status).toBe(400);
    expect((await put(`Bearer ${TOKEN}`, { colour: 'red' })).status).toBe(400);
    const ok = await put(`Bearer ${TOKEN}`, { renamedField: true });
    expect(ok.status).toBe(200);
    expect(next.faults()).toEqual({ renamedField: true });
    const g = await fetch(`${next.url}/_admin/faults`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await g.json()) as { faults: unknown }).faults).toEqual({ renamedField: true });
    await put(`Bearer ${TOKEN}`, {});
    expect(next.faults()).toEqual({});
    expect((await fetch(`${legacy.url}/_admin/faults`)).status).toBe(404);
  });

  it('reads faults from the environment and names a bad variable', () => {
    expect(faultsFromEnv({ BILLING_FAULT_ROUNDING: '1', BILLING_FAULT_SLOW_MS: '250', BILLING_FAULTS: '{"wrongStatus":true}' })).toEqual({ rounding: true, slowMs: 250, wrongStatus: true });
    expect(() => faultsFromEnv({ BILLING_FAULT_ERROR_RATE: 'lots' })).toThrow(/BILLING_FAULT_ERROR_RATE/);
    expect(() => faultsFromEnv({ BILLING_FAULT_ERROR_RATE: '2' })).toThrow(/errorRate/);
  });
});
