import { APPLY_CONSUMER } from '../../backfill/data-path.js';
import { probesFor } from '../../migrate/wiring.js';
import { openForReading } from '../../migrate/sources.js';
import { collectStatus } from '../../migrate/status.js';
import type { DemoStep } from '../types.js';
import { DEMO_SLOT, DEMO_SOURCE } from './migrate.js';

/** The end of the story: what `siphon status` checks, per table — every legacy row is in next or in quarantine. */
export const migratedStep: DemoStep = {
  id: 'migrated',
  title: 'Check every legacy row: legacy = migrated + quarantined, per table',
  async run(ctx) {
    const config = ctx.migrationConfig;
    if (!config) throw new Error('the migrate step did not run');
    const src = await openForReading(config);
    try {
      const s = await collectStatus({
        config, legacy: src.legacy, next: src.next, store: src.store, log: src.log, probes: probesFor(src.next, src.store),
        source: DEMO_SOURCE, method: ctx.captureMethod ?? 'trigger', slot: DEMO_SLOT, consumer: APPLY_CONSUMER,
      });
      const failing = s.tables.filter((t) => !t.check?.ok);
      if (failing.length > 0) {
        throw new Error(`check failed: ${failing.map((t) => t.check?.line ?? `${t.table}: not checked (backfill ${t.backfill?.state ?? 'not started'}${t.errors.length ? `; ${t.errors.join('; ')}` : ''})`).join(' | ')}`);
      }
      const quarantined = s.tables.reduce((a, t) => a + t.quarantined, 0);
      return {
        summary: `every legacy row is migrated or quarantined with its reason (${quarantined} quarantined), in all ${s.tables.length} tables`,
        details: { tables: s.tables, capture: s.capture, apply: s.apply },
        lines: [
          ...s.tables.map((t) => `${t.check!.line}${Object.keys(t.quarantinedByReason).length ? `   (${Object.entries(t.quarantinedByReason).map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`),
          `the same check any time: npx siphon status -c examples/billing/siphon.sqlite.config.ts`,
        ],
      };
    } finally { await src.close(); }
  },
};
