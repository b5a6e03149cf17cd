import type { AnalysisStore, CanaryRun } from '../analysis/store/types.js';
import { abortCanary, approveCanary } from '../analysis/commands.js';
import type { JsonValue, RouteStore, AuditStore } from '../../state/types.js';

/**
 * What the dashboard shows of canary analysis per route (the step, the status, the last checks) and the page's
 * operator actions on a canary run: approve the current step, and a rollback that also ends the run (otherwise the
 * analysis loop, which owns the route while a run is active, would step it again).
 */
export interface AnalysisView {
  summaries(): Promise<Record<string, JsonValue>>;
  approve(route: string, actor: string): Promise<void>;
  /** true when a run was active and is now aborted (the route is back on legacy, audited as `canary.abort`). */
  abortIfActive(route: string, actor: string, reason?: string): Promise<boolean>;
}

const ACTIVE: ReadonlySet<CanaryRun['status']> = new Set(['progressing', 'waiting']);

export function analysisView(analysis: AnalysisStore, routes: RouteStore & AuditStore): AnalysisView {
  const stores = { routes, analysis };
  return {
    async summaries() {
      const out: Record<string, JsonValue> = {};
      for (const run of await analysis.listRuns()) {
        const [last] = await analysis.listVerdicts(run.route, 1);
        const percent = run.policy.steps[run.stepIndex] ?? null;
        const checks = last ? last.checks.map((c) => ({ check: c.check, outcome: c.outcome, detail: c.detail })) : [];
        const failing = checks.filter((c) => c.outcome !== 'pass').map((c) => c.check);
        out[run.route] = {
          summary: `${run.status} at ${percent ?? '?'} % (steps ${run.policy.steps.join('→')})`
            + (last ? `; last check ${last.pass ? 'passed' : `failed: ${failing.join(', ')}`}` : '; no interval judged yet')
            + (run.lastReason && !ACTIVE.has(run.status) ? `; ${run.lastReason}` : ''),
          status: run.status, step: run.stepIndex, percent, steps: [...run.policy.steps], passes: run.passes, failures: run.failures,
          lastReason: run.lastReason, checks,
        };
      }
      return out;
    },
    async approve(route, actor) { await approveCanary(stores, route, { actor }); },
    async abortIfActive(route, actor, reason) {
      const run = await analysis.getRun(route);
      if (!run || !ACTIVE.has(run.status)) return false;
      await abortCanary(stores, route, { actor, ...(reason ? { reason } : {}) });
      return true;
    },
  };
}
