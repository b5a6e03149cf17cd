import { openDatabase } from '../../backends/open.js';
import { generateLegacy } from '../../../examples/billing/generate/generate-legacy.js';
import { generateCustomer, initialSequences } from '../../../examples/billing/generate/customer.js';
import type { DemoStep } from '../types.js';

export const generateLegacyStep: DemoStep = {
  id: 'generate-legacy',
  title: 'Generate the legacy billing database (15 years of dirty data)',
  async run(ctx) {
    const { customers, seed, dirty } = ctx.options;
    const s = await generateLegacy({ legacy: ctx.legacyUrl, customers, seed, dirty, reset: true, progress: ctx.options.verbose });
    ctx.legacyDb = await openDatabase(ctx.legacyUrl);
    const db = ctx.legacyDb;
    ctx.onClose(() => db.close());
    // two customers to show: the first clean one and the first whose name or address shows mojibake
    const seq = initialSequences();
    let clean: number | undefined, dirtyOne: number | undefined;
    for (let id = 1; id <= customers && (clean === undefined || dirtyOne === undefined); id++) {
      const rows = generateCustomer(seed, id, dirty, seq);
      if (clean === undefined && rows.every((g) => !g.defect) && rows.some((g) => g.table === 'FACTURE')) clean = id;
      if (dirtyOne === undefined && rows[0]!.defect === 'mojibake') dirtyOne = id;
    }
    ctx.sampleCustomers = [clean, dirtyOne].filter((x): x is number => x !== undefined);
    const defects = Object.entries(s.defects).flatMap(([t, kinds]) => Object.entries(kinds).map(([k, n]) => `${t}.${k}=${n}`));
    return {
      summary: `${s.totalRows.toLocaleString('en')} rows for ${customers.toLocaleString('en')} customers in ${(s.durationMs / 1000).toFixed(1)} s (seed ${seed}, dirty ${dirty})`,
      details: { rows: s.rows, totalRows: s.totalRows, defects: s.defects, durationMs: s.durationMs },
      lines: [`rows: ${Object.entries(s.rows).map(([t, n]) => `${t} ${n}`).join(', ')}`, `defects planted: ${defects.join(', ')}`],
    };
  },
};
