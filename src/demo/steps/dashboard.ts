import { randomBytes, timingSafeEqual } from 'node:crypto';
import { spawn } from 'node:child_process';
import { APPLY_CONSUMER } from '../../backfill/data-path.js';
import { serveDashboard, storeActions } from '../../dashboard/index.js';
import { openLog } from '../../log/open.js';
import type { EventLog } from '../../log/types.js';
import { collectStatus } from '../../migrate/status.js';
import { probesFor } from '../../migrate/wiring.js';
import { renderMetrics } from '../../observe/metrics.js';
import { openStateStore } from '../../state/open.js';
import { openVerifyResults } from '../../state/verify/open.js';
import type { DemoStep } from '../types.js';
import { DEMO_SLOT, DEMO_SOURCE } from './migrate.js';

/**
 * The dashboard for the whole demo, started before anything moves so the story can be watched live: its URL (with a
 * one-run token in the fragment, which logs the browser in) is printed at once; `--open` opens it. Sources: the
 * demo's state store, this process's metrics (the demo's gateways run here), `siphon status`'s figures once the
 * migration is configured, and verify's stored results.
 */
export const dashboardStep: DemoStep = {
  id: 'dashboard',
  title: 'Start the dashboard',
  async run(ctx) {
    const store = await openStateStore(ctx.stateUrl);
    ctx.onClose(() => store.close());
    const results = await openVerifyResults(ctx.stateUrl);
    ctx.onClose(() => results.close());
    let log: EventLog | undefined;
    ctx.onClose(async () => { await log?.close(); });
    const token = randomBytes(24).toString('base64url');
    const want = Buffer.from(token);
    const server = serveDashboard({
      sources: {
        store,
        metrics: async () => (await renderMetrics()).body,
        verify: () => results.tableResults(),
        status: async () => {
          const config = ctx.migrationConfig;
          if (!config || !ctx.legacyDb || !ctx.nextDb) throw new Error('the migration has not started yet');
          log ??= await openLog(ctx.logUrl, { mode: 'read' });
          return collectStatus({
            config, legacy: ctx.legacyDb, next: ctx.nextDb, store, log, probes: probesFor(ctx.nextDb, store),
            source: DEMO_SOURCE, method: ctx.captureMethod ?? 'trigger', slot: DEMO_SLOT, consumer: APPLY_CONSUMER,
          });
        },
      },
      actions: storeActions(store),
      authenticate: (t) => {
        const got = Buffer.from(t);
        return got.length === want.length && timingSafeEqual(got, want) ? { identity: 'demo operator', role: 'operator' } : undefined;
      },
    });
    const address = await server.listen(ctx.options.dashboardPort ?? 0);
    ctx.onClose(() => server.close());
    const base = `http://127.0.0.1:${address.port}/dashboard/`;
    ctx.dashboard = server;
    ctx.dashboardUrl = `${base}#token=${token}`;
    ctx.log(`dashboard: open ${ctx.dashboardUrl}`);
    if (ctx.options.open) {
      const opener = spawn('xdg-open', [ctx.dashboardUrl], { stdio: 'ignore', detached: true });
      opener.on('error', () => ctx.log('could not open a browser (xdg-open): open the URL above yourself'));
      opener.unref();
    }
    return {
      summary: `live at ${base} (the printed link logs in; the token lives for this run only)`,
      details: { url: base },
      // the login link goes to the terminal (stderr, above) only: the report may be kept or piped to scripts
    };
  },
};
