import { startLegacyApp } from '../../../examples/billing/legacy-app/start-legacy-app.js';
import { startNextApp } from '../../../examples/billing/next-app/start-next-app.js';
import { randomBytes } from 'node:crypto';
import type { DemoStep } from '../types.js';
import { countingDatabase } from '../write-counter.js';

export const startAppsStep: DemoStep = {
  id: 'start-apps',
  title: 'Start the legacy and next billing apps',
  async run(ctx) {
    if (!ctx.legacyDb || !ctx.nextDb) throw new Error('databases are not open');
    // the legacy app writes through a handle that counts its committed writes (the captured step checks against them)
    const legacy = await startLegacyApp({ db: countingDatabase(ctx.legacyDb, ctx.legacyWrites) });
    ctx.onClose(() => legacy.close());
    // next's fault switches answer on PUT /_admin/faults with this token: the bad-canary step turns next bad through it
    ctx.nextAdminToken = randomBytes(24).toString('base64url');
    const next = await startNextApp({ db: ctx.nextDb, adminToken: ctx.nextAdminToken });
    ctx.onClose(() => next.close());
    ctx.legacyApp = legacy;
    ctx.nextApp = next;
    return { summary: `legacy ${legacy.url}, next ${next.url}`, details: { legacy: legacy.url, next: next.url } };
  },
};
