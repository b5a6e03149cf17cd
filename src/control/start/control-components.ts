import { existsSync } from 'node:fs';
import type { ResolvedConfig } from '../../config/types.js';
import type { Logger } from '../../observe/logger.js';
import { renderMetrics } from '../../observe/metrics.js';
import { startAdminApi, type RunningAdmin } from '../admin/start.js';
import { DEFAULT_TOKEN_FILE, loadTokens } from '../admin/tokens.js';
import { createAnalysis } from '../analysis/analysis.js';
import type { Component, ComponentHealth } from '../supervisor/component.js';
import { loopComponent } from './adapters.js';
import type { ControlComponents } from './plan.js';

/**
 * The `control` role of `siphon start`: the admin API (with the dashboard at /dashboard/) and the canary analysis
 * loop, both on the config's state store. The admin API reads this process's metrics registry for the dashboard's
 * gateway figures: when the gateway role runs in the same process its series are there; in a split deployment the
 * dashboard shows what the state store holds (route stats, diffs, migration) without the live latency charts.
 */
export const CONTROL_COMPONENTS: ControlComponents = {
  names: ['admin', 'analysis'],
  create(config: ResolvedConfig, log: Logger): readonly Component[] {
    // a tokens file that cannot be used (readable by others, malformed) is a configuration error: exit 2 before
    // anything starts, not a component the supervisor would restart forever
    const tokenFile = config.admin?.tokenFile ?? DEFAULT_TOKEN_FILE;
    if (existsSync(tokenFile)) loadTokens(tokenFile);
    return [adminComponent(config, log.child({ component: 'admin' })), analysisComponent(config, log.child({ component: 'analysis' }))];
  },
};

function adminComponent(config: ResolvedConfig, log: Logger): Component {
  let running: RunningAdmin | null = null;
  return {
    name: 'admin',
    async start() {
      running = await startAdminApi({ config, logger: log, metrics: async () => (await renderMetrics()).body });
    },
    async stop() {
      const r = running;
      running = null;
      await r?.stop();
    },
    health(): ComponentHealth {
      return running ? { ready: true, detail: { url: running.url, dashboard: `${running.url}/dashboard/` } } : { ready: false };
    },
  };
}

function analysisComponent(config: ResolvedConfig, log: Logger): Component {
  const analysis = createAnalysis({ stateUrl: config.state, logger: log, ...(config.analysis ? { config: config.analysis } : {}) });
  const component = loopComponent('analysis', { start: () => analysis.start(), stop: () => analysis.stop() });
  // the loop's own figures (ticks, last error, routes under analysis) in /status
  return {
    ...component,
    health(): ComponentHealth {
      const h = component.health();
      if (!h.ready) return h;
      const s = analysis.status();
      return { ready: true, detail: { ticks: s.ticks, lastError: s.lastError, routes: s.routes.map((r) => ({ route: r.route, status: r.status, percent: r.percent })) } };
    },
  };
}
