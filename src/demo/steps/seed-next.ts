import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../backends/open.js';
import { loadConfig } from '../../config/load.js';
import { seedNextFromLegacy } from '../../../examples/billing/seed-next.js';
import type { DemoStep } from '../types.js';

/** The demo's migration config (SQLite → SQLite), from the sources or from the compiled package. */
export function demoConfigFile(): string {
  for (const ext of ['ts', 'js']) {
    const f = fileURLToPath(new URL(`../../../examples/billing/siphon.sqlite.config.${ext}`, import.meta.url));
    if (existsSync(f)) return f;
  }
  throw new Error('examples/billing/siphon.sqlite.config.ts is missing from this installation');
}

/**
 * Until the migration engine's steps join the demo, next is filled by the examples' test fixture with the mappings of
 * examples/billing/siphon.sqlite.config.ts (cleaning, to(), schemas), without capture, versions or ledger. Replace
 * this step by capture + backfill + apply.
 */
export const seedNextStep: DemoStep = {
  id: 'seed-next',
  title: 'Fill next through the mapping (test fixture until backfill joins the demo)',
  async run(ctx) {
    const config = await loadConfig(demoConfigFile());
    ctx.nextDb = await openDatabase(ctx.nextUrl);
    const db = ctx.nextDb;
    ctx.onClose(() => db.close());
    if (!ctx.legacyDb) throw new Error('the legacy database is not open (generate-legacy did not run)');
    const s = await seedNextFromLegacy({ legacy: ctx.legacyDb, next: db, tables: config.tables });
    const skipped = Object.entries(s.skipped).flatMap(([t, reasons]) => Object.entries(reasons).map(([r, n]) => `${t}: ${n} × ${r}`));
    const written = Object.values(s.written).reduce((a, b) => a + b, 0);
    const skippedCount = Object.values(s.skipped).flatMap((r) => Object.values(r)).reduce((a, b) => a + b, 0);
    return {
      summary: `${written.toLocaleString('en')} next rows written with the mappings of ${config.name}, ${skippedCount} legacy rows rejected by the mapping`,
      details: { config: config.file ?? null, ...s },
      lines: [`written: ${Object.entries(s.written).map(([t, n]) => `${t} ${n}`).join(', ')}`, ...skipped.map((l) => `rejected ${l}`)],
    };
  },
};
