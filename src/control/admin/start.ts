import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from '../../config/types.js';
import { createLogger, type Logger } from '../../observe/logger.js';
import type { RouteTableCheck } from '../../routes/control.js';
import type { Dashboard } from '../../dashboard/index.js';
import { openStateStore } from '../../state/open.js';
import { verifyOpener } from './endpoints/reads.js';
import { mountDashboard } from './dashboard.js';
import { mountAspire } from './endpoints/aspire.js';
import { analysisView } from './analysis-view.js';
import { openAnalysisStore } from '../analysis/store/open.js';
import { createAdminApi, type AdminApi } from './server.js';
import { DEFAULT_TOKEN_FILE, loadOrCreateTokens } from './tokens.js';

export const DEFAULT_ADMIN_PORT = 8474;

export interface StartAdminOptions {
  readonly config?: ResolvedConfig;
  /** State store URL; default the config's. */
  readonly stateUrl?: string;
  readonly host?: string;
  readonly port?: number;
  /** Tokens file (generated 0600 on first start); default the config's `admin.tokenFile`, else `.siphon/admin-tokens`. */
  readonly tokenFile?: string;
  readonly checkRoutes?: RouteTableCheck;
  readonly logger?: Logger;
  /** Serve the dashboard at /dashboard/ (default true). */
  readonly dashboard?: boolean;
  /** Prometheus text of the gateway(s) for the dashboard, when this process can read it. */
  readonly metrics?: () => Promise<string>;
}

export interface RunningAdmin {
  readonly api: AdminApi;
  readonly address: AddressInfo;
  readonly url: string;
  readonly tokenFile: string;
  /** True when this start generated the tokens file. */
  readonly tokensCreated: boolean;
  stop(): Promise<void>;
}

/**
 * Starts the admin API as a process component: tokens (read, or generated 0600; a file others may read is refused
 * before anything is opened), the state store, the listener. `siphon admin start` runs it alone; `siphon start`
 * embeds it.
 */
export async function startAdminApi(o: StartAdminOptions): Promise<RunningAdmin> {
  const log = o.logger ?? createLogger('admin');
  const tokenFile = o.tokenFile ?? o.config?.admin?.tokenFile ?? DEFAULT_TOKEN_FILE;
  const { tokens, created } = loadOrCreateTokens(tokenFile);
  if (created) log.info({ file: tokenFile }, 'admin tokens generated (an operator and a read-only token, mode 0600)');
  const stateUrl = o.stateUrl ?? o.config?.state;
  const state = await openStateStore(stateUrl);
  const stopExtras: (() => Promise<void>)[] = [];
  const api = createAdminApi({ state, tokens, logger: log, ...(o.config ? { config: o.config } : {}), ...(stateUrl ? { stateUrl } : {}),
    ...(o.checkRoutes ? { checkRoutes: o.checkRoutes } : {}) });
  // aspire through the running data path, when the config names entities (connected on the first call)
  if (o.config && Object.keys(o.config.entities).length > 0) {
    const config = o.config;
    const aspire = mountAspire(api.registry, async () => (await import('../../aspire/remote.js')).connectAspirer({ config }), log);
    stopExtras.push(aspire.close);
  }
  let dashboard: Dashboard | undefined;
  if (o.dashboard !== false) {
    const verify = stateUrl ? verifyOpener(stateUrl) : undefined;
    // canary analysis' part of the same store (its migration ran when the state store opened)
    const analysis = stateUrl ? await openAnalysisStore(stateUrl) : undefined;
    dashboard = mountDashboard(api, { state, ...(o.config ? { config: o.config } : {}), ...(verify ? { verify: verify.get } : {}),
      ...(o.metrics ? { metrics: o.metrics } : {}), ...(analysis ? { analysis: analysisView(analysis, state) } : {}) });
    const closeDashboard = async () => { dashboard!.close(); await verify?.close(); await analysis?.close(); };
    stopExtras.push(closeDashboard);
  }
  let address: AddressInfo;
  try {
    address = await api.listen(o.port ?? o.config?.admin?.port ?? DEFAULT_ADMIN_PORT, o.host ?? o.config?.admin?.host ?? '127.0.0.1');
  } catch (e) {
    for (const stop of stopExtras) await stop();
    await api.close();
    await state.close();
    throw e;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.info({ port: address.port, host: address.address, state: state.location }, 'admin API listening');
  if (dashboard) log.info({ url: `http://${address.address}:${address.port}/dashboard/` }, 'dashboard served (log in with an admin token)');
  return {
    api, address, url: `http://${host}:${address.port}`, tokenFile, tokensCreated: created,
    stop: async () => { for (const stop of stopExtras) await stop(); await api.close(); await state.close(); },
  };
}
