import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startAdminApi } from '../../control/admin/start.js';
import { loadTokens } from '../../control/admin/tokens.js';
import { gatewayRouteCheck } from '../../gateway/control.js';
import { createLogger } from '../../observe/logger.js';
import { renderMetrics } from '../../observe/metrics.js';
import type { DemoStep } from '../types.js';
import { demoMigrationConfig } from './migrate.js';

/** The demo's tokens file (an operator and a read-only token, 0600), recreated with the demo's other files. */
export const ADMIN_TOKENS_FILE = 'admin-tokens';

/**
 * The admin API for the whole demo, started before anything moves so the story can be watched live on its dashboard
 * (`/dashboard/`): the same server `siphon admin start` runs, on the demo's state store, with the demo's migration
 * config (status, aspire, quarantine retry) and this process's metrics (the demo's gateways run here). The login link
 * (operator token in the URL fragment, which never reaches the server's logs) is printed at once; `--open` opens it.
 */
export const adminStep: DemoStep = {
  id: 'admin',
  title: 'Start the admin API and its dashboard',
  async run(ctx) {
    const config = await demoMigrationConfig(ctx);
    const tokenFile = join(ctx.options.dir, ADMIN_TOKENS_FILE);
    const logger = createLogger('demo.admin');
    if (!process.env.SIPHON_LOG_LEVEL) logger.level = 'warn'; // the demo prints its own story
    const running = await startAdminApi({
      config, stateUrl: ctx.stateUrl, host: '127.0.0.1', port: ctx.options.dashboardPort ?? 0, tokenFile,
      checkRoutes: gatewayRouteCheck, logger, metrics: async () => (await renderMetrics()).body,
    });
    ctx.onClose(() => running.stop());
    const tokens = loadTokens(tokenFile);
    const operator = tokens.find((t) => t.role === 'operator');
    const reader = tokens.find((t) => t.role === 'read-only');
    if (!operator || !reader) throw new Error(`${tokenFile} must hold an operator and a read-only token`);
    ctx.admin = { running, operatorToken: operator.token, readerToken: reader.token };
    const base = `${running.url}/dashboard/`;
    ctx.dashboardUrl = `${base}#token=${operator.token}`;
    ctx.log(`dashboard: open ${ctx.dashboardUrl}`);
    if (ctx.options.open) {
      const opener = spawn('xdg-open', [ctx.dashboardUrl], { stdio: 'ignore', detached: true });
      opener.on('error', () => ctx.log('could not open a browser (xdg-open): open the URL above yourself'));
      opener.unref();
    }
    return {
      summary: `admin API ${running.url}, dashboard ${base} (the printed link logs in as the operator; tokens in ${tokenFile})`,
      // the login link goes to the terminal (stderr, above) only: the report may be kept or piped to scripts
      details: { url: base, admin: running.url, tokenFile },
    };
  },
};
