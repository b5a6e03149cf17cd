import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/support/engines.js';
import type { FreshDatabase } from '../../../test/support/engines.js';
import { openDatabase } from '../../../src/backends/open.js';
import type { Database } from '../../../src/backends/types.js';
import { generateLegacy } from '../generate/generate-legacy.js';
import { seedNextFromLegacy } from '../seed-next.js';
import type { SeedNextSummary } from '../seed-next.js';
import { startLegacyApp, startNextApp } from '../index.js';
import type { RunningApp } from '../index.js';
import { CustomerResponse, InvoiceResponse } from '../contract.js';
import { denoise } from './fixture.js';

// The same seed on MariaDB → PostgreSQL and on SQLite → SQLite must give the same API answers, legacy and next.
const N = 40, SEED = 8, DIRTY = 0.1;
const fresh: FreshDatabase[] = [];
const dbs: Database[] = [];
const apps: Record<'legacyMy' | 'legacyLite' | 'nextPg' | 'nextLite', RunningApp> = {} as never;
const seeded: SeedNextSummary[] = [];

beforeAll(async () => {
  const [my, lite, pg, liteNext] = await Promise.all([freshDatabase('mysql', 'billing_e'), freshDatabase('sqlite', 'billing_e'), freshDatabase('postgres', 'billing_e'), freshDatabase('sqlite', 'billing_en')]);
  fresh.push(my, lite, pg, liteNext);
  for (const l of [my, lite]) await generateLegacy({ legacy: l.url, customers: N, seed: SEED, dirty: DIRTY, progress: false });
  const [dMy, dLite, dPg, dLiteNext] = await Promise.all([my, lite, pg, liteNext].map((f) => openDatabase(f.url)));
  dbs.push(dMy!, dLite!, dPg!, dLiteNext!);
  seeded.push(await seedNextFromLegacy({ legacy: dMy!, next: dPg! }), await seedNextFromLegacy({ legacy: dLite!, next: dLiteNext! }));
  apps.legacyMy = await startLegacyApp({ db: dMy! });
  apps.legacyLite = await startLegacyApp({ db: dLite! });
  apps.nextPg = await startNextApp({ db: dPg! });
  apps.nextLite = await startNextApp({ db: dLiteNext! });
});
afterAll(async () => {
  for (const a of Object.values(apps)) await a?.close();
  for (const d of dbs) await d.close();
  for (const f of fresh) await f.drop();
});

const get = async (app: RunningApp, path: string) => { const r = await fetch(app.url + path); return { status: r.status, body: denoise(await r.json()) as Record<string, unknown> }; };

describe('billing across engines', () => {
  it('fills next from MariaDB and from SQLite with the same rows and the same rejections', () => {
    expect(seeded[0]).toEqual(seeded[1]);
    expect(Object.values(seeded[0]!.written).reduce((a, b) => a + b, 0)).toBeGreaterThan(N * 10);
  });

  it('answers the same on MariaDB and SQLite (legacy), on PostgreSQL and SQLite (next), for every customer', async () => {
    let invoices = 0;
    for (let id = 1; id <= N; id++) {
      for (const [a, b] of [[apps.legacyMy, apps.legacyLite], [apps.nextPg, apps.nextLite]] as const) {
        const [x, y] = [await get(a, `/customers/${id}`), await get(b, `/customers/${id}`)];
        expect(x, `customer ${id}`).toEqual(y);
        if (x.status === 200) expect(CustomerResponse.omit({ generatedAt: true, requestId: true }).safeParse(x.body).success).toBe(true);
        const [lx, ly] = [await get(a, `/customers/${id}/invoices`), await get(b, `/customers/${id}/invoices`)];
        expect(lx).toEqual(ly);
        for (const inv of ((lx.body.invoices ?? []) as { number: number }[]).slice(0, 2)) {
          const [ix, iy] = [await get(a, `/invoices/${inv.number}`), await get(b, `/invoices/${inv.number}`)];
          expect(ix).toEqual(iy);
          expect(InvoiceResponse.omit({ generatedAt: true, requestId: true }).safeParse(ix.body).success).toBe(true);
          invoices++;
        }
      }
    }
    expect(invoices).toBeGreaterThan(N);
  });

  it('records a payment through the apps on MariaDB and PostgreSQL', async () => {
    type Inv = { number: number; status: string; amountInclTax: number };
    let id = 0, inv: Inv | undefined;
    for (id = 1; id <= N && !inv; id++) {
      const [a, b] = [await get(apps.legacyMy, `/customers/${id}/invoices`), await get(apps.nextPg, `/customers/${id}/invoices`)];
      const ok = (x: typeof a) => ((x.body.invoices ?? []) as Inv[]).filter((i) => i.status === 'issued');
      inv = ok(a).find((i) => ok(b).some((j) => j.number === i.number));
    }
    id--;
    if (!inv) throw new Error('no open invoice on both sides: change the seed');
    for (const app of [apps.legacyMy, apps.nextPg]) {
      const r = await fetch(`${app.url}/customers/${id}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invoiceNumber: inv.number, amount: inv.amountInclTax, method: 'transfer' }) });
      expect(r.status).toBe(201);
      const after = (await get(app, `/invoices/${inv.number}`)).body.invoice as { status: string; payments: { method: string }[] };
      expect(after.status).toBe('paid');
      expect(after.payments.some((p) => p.method === 'transfer')).toBe(true);
    }
  });
});
