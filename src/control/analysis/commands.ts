/**
 * Operator actions on a canary (the CLI calls these; the admin API can call the same): start, abort, approve. Each
 * change of the route goes through the RouteStore, in one transaction with its audit entry; the run's own changes
 * are compare-and-set on its revision.
 */
import type { AuditContext, Route, RouteStore } from '../../state/types.js';
import { CanaryStateError } from './errors.js';
import { afterApproval, isActive, type AnalysisPolicy } from './judge.js';
import type { AnalysisStore, CanaryRun } from './store/types.js';

export type CanaryStores = { readonly routes: RouteStore; readonly analysis: AnalysisStore };

/** Boundary of the next stats bucket: an interval starts on it so that it sums whole buckets. */
export const alignUp = (t: number, bucketMs: number): number => Math.ceil(t / bucketMs) * bucketMs;

async function routeOf(routes: RouteStore, id: string): Promise<Route> {
  const table = await routes.getRoutes();
  const r = table.routes.find((x) => x.id === id);
  if (!r) throw new CanaryStateError(`route "${id}" does not exist; routes are ${table.routes.map((x) => x.id).join(', ') || '(none)'}`, id, null);
  return r;
}

/**
 * Starts a canary on an existing route: the route goes to `canary:FIRST_STEP` (with shadow copies when the diff check
 * is on), then the run is created. Refused while a canary of the route is active.
 */
export async function startCanary(s: CanaryStores, route: string, policy: AnalysisPolicy, audit: AuditContext): Promise<CanaryRun> {
  const current = await s.analysis.getRun(route);
  if (current && isActive(current.status)) {
    throw new CanaryStateError(`route "${route}" already has a canary in progress (${current.status} at ${current.policy.steps[current.stepIndex]}%); abort it first`, route, current.status);
  }
  const r = await routeOf(s.routes, route);
  const first = policy.steps[0]!;
  // the route changes first: the analysis loop only ever sees an active run whose route is already in canary mode
  await s.routes.updateRoute(route, {
    mode: 'canary', canaryPercent: first,
    ...(policy.maxDiffRate !== null ? { options: { ...r.options, canaryShadow: true } } : {}),
  }, { ...audit, action: 'canary.start', reason: audit.reason ?? `canary analysis: steps ${policy.steps.join(' → ')} %, ${policy.passesPerStep} passing interval(s) of ${policy.intervalMs} ms per step` });
  return s.analysis.createRun({ route, policy, windowEnd: alignUp(Date.now(), policy.bucketMs), startedBy: audit.actor });
}

async function activeRun(s: CanaryStores, route: string, verb: string): Promise<CanaryRun> {
  const run = await s.analysis.getRun(route);
  if (!run || !isActive(run.status)) {
    throw new CanaryStateError(`route "${route}" has no canary in progress to ${verb}${run ? ` (its last one ${run.status})` : ''}`, route, run?.status ?? null);
  }
  return run;
}

/** Abort at any moment: the run is marked aborted, then the route goes back to legacy (audited `canary.abort`). */
export async function abortCanary(s: CanaryStores, route: string, audit: AuditContext): Promise<CanaryRun> {
  for (;;) {
    const run = await activeRun(s, route, 'abort');
    const reason = `aborted by ${audit.actor} at ${run.policy.steps[run.stepIndex]}%${audit.reason ? `: ${audit.reason}` : ''}`;
    const done = await s.analysis.updateRun(route, run.revision, { status: 'aborted', lastReason: reason });
    if (!done) continue; // the loop moved it meanwhile: read it again
    await s.routes.updateRoute(route, { mode: 'legacy', canaryPercent: 0 }, { ...audit, action: 'canary.abort', reason });
    return done;
  }
}

/** Approves the current step's gate (audited `canary.approve` in the same transaction); a waiting run moves on its next tick. */
export async function approveCanary(s: CanaryStores, route: string, audit: AuditContext): Promise<CanaryRun> {
  for (;;) {
    const run = await activeRun(s, route, 'approve');
    const approved = afterApproval(run, run.policy).progress.approvedIndex;
    const percent = run.policy.steps[run.stepIndex];
    const done = await s.analysis.updateRun(route, run.revision, { approvedIndex: approved }, {
      actor: audit.actor, action: 'canary.approve', subject: route, reason: audit.reason ?? `step ${percent}% approved`,
      before: { status: run.status, step: run.stepIndex, percent: percent ?? null, approvedIndex: run.approvedIndex },
      after: { status: run.status, step: run.stepIndex, percent: percent ?? null, approvedIndex: approved },
    });
    if (done) return done;
  }
}
