/** Test fixture: a generated legacy SQLite database and a next SQLite database seeded from it through the mapping. */
import { freshDatabase } from '../../../test/support/engines.js';
import type { FreshDatabase } from '../../../test/support/engines.js';
import { openDatabase } from '../../../src/backends/open.js';
import type { Database } from '../../../src/backends/types.js';
import { generateLegacy } from '../generate/generate-legacy.js';
import { generateCustomer, initialSequences } from '../generate/customer.js';
import type { GeneratedRow } from '../generate/customer.js';
import { seedNextFromLegacy } from '../seed-next.js';

export interface BillingFixture {
  readonly legacy: Database;
  readonly next: Database;
  /** What the generator produced, customer by customer (index 0 = customer 1). */
  readonly customers: readonly GeneratedRow[][];
  drop(): Promise<void>;
}

export async function billingFixture(customers: number, seed: number, dirty: number): Promise<BillingFixture> {
  const dbs: FreshDatabase[] = [await freshDatabase('sqlite', 'billing_legacy'), await freshDatabase('sqlite', 'billing_next')];
  const [l, n] = dbs as [FreshDatabase, FreshDatabase];
  await generateLegacy({ legacy: l.url, customers, seed, dirty, progress: false });
  const legacy = await openDatabase(l.url);
  const next = await openDatabase(n.url);
  await seedNextFromLegacy({ legacy, next });
  const seq = initialSequences();
  const rows = Array.from({ length: customers }, (_, i) => generateCustomer(seed, i + 1, dirty, seq));
  return {
    legacy, next, customers: rows,
    drop: async () => { await legacy.close(); await next.close(); for (const d of dbs) await d.drop(); },
  };
}

/** Customers whose rows carry no defect at all. */
export const cleanCustomerIds = (f: BillingFixture): number[] =>
  f.customers.flatMap((rows, i) => (rows.every((g) => !g.defect) ? [i + 1] : []));

/** The answer without its noise fields. */
export function denoise(body: unknown): unknown {
  const { generatedAt: _g, requestId: _r, ...rest } = body as Record<string, unknown>;
  return rest;
}
