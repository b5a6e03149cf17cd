import { openVerifyResults } from '../../state/verify/open.js';
import { openStateStore } from '../../state/open.js';
import { runVerify } from '../../verify/run-verify.js';
import type { DemoStep } from '../types.js';

/**
 * The proof: every legacy row through the same `to()`, merge-joined with next by key, column by column — an
 * enumeration of its own, independent of the backfill's. The demo fails if a row is missing, extra or different, or
 * if the verifier cannot conclude.
 */
export const verifyStep: DemoStep = {
  id: 'verify',
  title: 'Verify row by row: legacy through to() against next',
  async run(ctx) {
    const config = ctx.migrationConfig;
    if (!config || !ctx.legacyDb || !ctx.nextDb) throw new Error('the migrate step did not run');
    const state = await openStateStore(ctx.stateUrl);
    const results = await openVerifyResults(ctx.stateUrl);
    try {
      const r = await runVerify({ config, legacy: ctx.legacyDb, next: ctx.nextDb, state, results, mode: 'full' });
      const lost = r.tables.reduce((n, t) => n + t.counts.missing, 0);
      const lines = r.tables.map((t) => {
        const c = t.counts;
        return `${t.table}: ${t.verdict} — legacy ${c.legacyCount} = matched ${c.matched} + quarantined ${c.quarantined}; missing ${c.missing}, extra ${c.extra}, mismatched ${c.mismatched}`;
      });
      if (r.exitCode !== 0) throw new Error(`verify: ${r.verdict} (exit ${r.exitCode}): ${lines.filter((l) => !l.includes(': match')).join(' | ')}`);
      return {
        summary: `${r.tables.length} tables verified: ${r.tables.reduce((n, t) => n + t.counts.matched, 0).toLocaleString('en')} rows match, ${lost} lost`,
        details: { verdict: r.verdict, rowsLost: lost, tables: r.tables.map((t) => ({ table: t.table, verdict: t.verdict, ...t.counts })) },
        lines,
      };
    } finally {
      await results.close();
      await state.close();
    }
  },
};
