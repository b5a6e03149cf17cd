import { createApplier } from '../../apply/applier.js';
import { retryQuarantine } from '../../apply/retry.js';
import { openDatabase } from '../../backends/open.js';
import type { ResolvedConfig } from '../../config/types.js';
import { createDashboard, storeActions, type Dashboard, type DashboardActions } from '../../dashboard/index.js';
import type { AnalysisView } from './analysis-view.js';
import type { StateStore } from '../../state/types.js';
import type { VerifyResultStore } from '../../state/verify/types.js';
import { migrationStatus } from './endpoints/status.js';
import type { AdminApi } from './server.js';
import type { AdminMethod } from './registry.js';

export interface DashboardMount {
  readonly state: StateStore;
  readonly config?: ResolvedConfig;
  readonly verify?: () => Promise<VerifyResultStore>;
  /** Prometheus text of the gateway(s), when this process can read it (`siphon start`). */
  readonly metrics?: () => Promise<string>;
  /** Canary analysis: its state per route on the page, approve from the page, rollback ending an active run. */
  readonly analysis?: AnalysisView;
}

/**
 * The dashboard (`src/dashboard/`) on the admin API's listener at `/dashboard/`: its page and login are open (it
 * authenticates by itself, with this API's tokens: same identities, `read-only` shown as `read`), its actions
 * (rollback, quarantine retry) are audited with the identity of the token that logged in.
 */
/**
 * With canary analysis: approve is the analysis' own action, and a rollback of a route under an active run aborts the
 * run (audited `canary.abort`, route back to legacy) — a plain route change would be stepped again by the loop.
 */
function withAnalysis(view: AnalysisView | undefined, actions: DashboardActions): DashboardActions {
  if (!view) return actions;
  return {
    ...actions,
    approve: (route, actor) => view.approve(route, actor),
    async rollback(route, actor, reason) {
      if (!(await view.abortIfActive(route, actor, reason))) await actions.rollback(route, actor, reason);
    },
  };
}

export function mountDashboard(api: AdminApi, m: DashboardMount): Dashboard {
  const { state, config } = m;
  const dashboard = createDashboard({
    sources: {
      store: state,
      ...(config ? { status: () => migrationStatus(config) } : {}),
      ...(m.verify ? { verify: async () => (await m.verify!()).tableResults() } : {}),
      ...(m.metrics ? { metrics: m.metrics } : {}),
      ...(m.analysis ? { analysis: () => m.analysis!.summaries() } : {}),
    },
    actions: withAnalysis(m.analysis, storeActions(state, config ? {
      retryQuarantine: async (ids, actor) => {
        const next = await openDatabase(config.next.db);
        try {
          const applier = await createApplier({ config, next, state });
          try {
            const r = await retryQuarantine(applier, state, { ids, actor });
            return { retried: r.retried, stillQuarantined: r.stillQuarantined + r.waiting };
          } finally { await applier.close(); }
        } finally { await next.close(); }
      },
    } : {})),
    authenticate: (token) => {
      const who = api.authenticate(token);
      return who && { identity: who.identity, role: who.role === 'operator' ? 'operator' : 'read' };
    },
  });
  for (const method of ['GET', 'POST'] as AdminMethod[]) {
    api.mount({
      method, path: '/dashboard/*', access: 'open', summary: 'the dashboard (its own login with these tokens)',
      handleRaw: (req, res) => {
        if (!dashboard.handle(req, res)) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found\n'); }
      },
    });
  }
  return dashboard;
}
