import { openDatabase } from '../../backends/open.js';
import { seedNextFromLegacy } from '../../../examples/billing/seed-next.js';
import type { DemoStep } from '../types.js';

/**
 * Until the migration engine's steps join the demo, next is filled by the examples' test fixture: the same mapping
 * (cleaning, to(), schemas), without capture, versions or ledger. Replace this step by capture + backfill + apply.
 */
export const seedNextStep: DemoStep = {
  id: 'seed-next',
  title: 'Fill next through the mapping (test fixture until backfill joins the demo)',
  async run(ctx) {
    ctx.nextDb = await openDatabase(ctx.nextUrl);
    const db = ctx.nextDb;
    ctx.onClose(() => db.close());
    if (!ctx.legacyDb) throw new Error('the legacy database is not open (generate-legacy did not run)');
    const s = await seedNextFromLegacy({ legacy: ctx.legacyDb, next: db });
    const skipped = Object.entries(s.skipped).flatMap(([t, reasons]) => Object.entries(reasons).map(([r, n]) => `${t}: ${n} × ${r}`));
    const written = Object.values(s.written).reduce((a, b) => a + b, 0);
    const skippedCount = Object.values(s.skipped).flatMap((r) => Object.values(r)).reduce((a, b) => a + b, 0);
    return {
      summary: `${written.toLocaleString('en')} next rows written, ${skippedCount} legacy rows rejected by the mapping`,
      details: s as unknown as Record<string, unknown>,
      lines: [`written: ${Object.entries(s.written).map(([t, n]) => `${t} ${n}`).join(', ')}`, ...skipped.map((l) => `rejected ${l}`)],
    };
  },
};
