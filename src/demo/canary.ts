/** What the demo's two canary steps share: the policy, the route preparation, waiting for the analysis' verdict. */
import { resolvePolicy, type RouteAnalysisConfig } from '../control/analysis/config.js';
import type { AnalysisPolicy } from '../control/analysis/judge.js';
import type { CanaryRun, StoredVerdict } from '../control/analysis/store/types.js';
import { gatewayRouteCheck } from '../gateway/control.js';
import { setRoute } from '../routes/control.js';
import type { LiveGateway } from './live-gateway.js';
import { DEMO_BUCKET_MS } from './live-gateway.js';
import type { DemoContext } from './types.js';

const ACTOR = 'siphon demo';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Short intervals so the demo stays fast (1 s of four 250 ms buckets), two passing intervals per step. Bounds sized
 * for one loaded process holding the apps, the migration and the gateway: next's p99 may be 3× legacy's + 250 ms
 * (both sides share the event loop's stalls), and up to 20 % of compared answers may differ for real — the
 * quarantined rows and the dirty rows the mapping cleaned are genuine differences; a wrong field on every answer is
 * far above it. Four consecutive failed intervals roll back: an interval without enough requests ("no data") counts as
 * failed, and on a machine loaded by other work (a full test run beside it) the users' load generator stalled for up
 * to three intervals in a row (2 next requests in an interval at 10 %).
 */
export const DEMO_ANALYSIS: RouteAnalysisConfig & { bucket: number } = {
  bucket: DEMO_BUCKET_MS, interval: 1000, threshold: 4, minRequests: 3, minCompared: 3, maxErrorRate: 0.05,
  maxLatencyRatio: 3, latencyTolerance: 250, maxDiffRate: 0.2, steps: [10, 50], passesPerStep: 2,
};

export function demoPolicy(route: string, over: RouteAnalysisConfig = {}): AnalysisPolicy {
  return resolvePolicy(DEMO_ANALYSIS, route, over);
}

/** Sticky canary by user: the gateway keys the split on the `x-user-id` header the demo's users send. */
export async function userKeyed(live: LiveGateway, route: string): Promise<void> {
  const t = await setRoute(live.store, route, { options: { userKey: { from: 'header', name: 'x-user-id' } } },
    { actor: ACTOR, reason: 'canary by user: the x-user-id header keeps a user on one side' }, gatewayRouteCheck);
  await live.follows(t.version);
}

/**
 * Until the run is no longer in progress and its route change is stored too (the analysis stores a run's end first and
 * the route right after: the next step must not find the route still in canary). Bounded: a stuck loop fails the step
 * instead of hanging the demo.
 */
export async function runEnded(live: LiveGateway, route: string, ms = 150_000): Promise<CanaryRun> {
  const deadline = Date.now() + ms;
  const routeSettled = async () => (await live.store.getRoutes()).routes.find((r) => r.id === route)?.mode !== 'canary';
  for (;;) {
    const run = await live.analysisStore.getRun(route);
    if (run && run.status !== 'progressing' && run.status !== 'waiting' && await routeSettled()) return run;
    if (Date.now() > deadline) throw new Error(`the canary of ${route} did not end within ${ms / 1000} s (last: ${run ? `${run.status} at step ${run.stepIndex}` : 'no run'})`);
    await sleep(50);
  }
}

/** Verdicts of the run that started at `since`, oldest first. */
export async function verdictsSince(live: LiveGateway, route: string, since: Date): Promise<StoredVerdict[]> {
  return (await live.analysisStore.listVerdicts(route, 1000)).filter((v) => v.windowStart >= since.getTime() - DEMO_BUCKET_MS).sort((a, b) => a.id - b.id);
}

export function verdictLine(v: StoredVerdict): string {
  const checks = v.checks.map((c) => `${c.check} ${c.outcome}`).join(', ');
  return `at ${v.percent} %: ${v.pass ? 'pass' : 'FAIL'} (${checks})${v.action !== 'none' ? ` → ${v.action}` : ''}`;
}

/** The next app's fault switches through its admin endpoint (`PUT /_admin/faults`), as an operator would. */
export async function putNextFaults(ctx: DemoContext, faults: Record<string, unknown>): Promise<void> {
  if (!ctx.nextApp || !ctx.nextAdminToken) throw new Error('the next app is not running with its admin endpoint');
  const r = await fetch(`${ctx.nextApp.url}/_admin/faults`, {
    method: 'PUT', headers: { authorization: `Bearer ${ctx.nextAdminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(faults),
  });
  if (r.status !== 200) throw new Error(`PUT /_admin/faults answered ${r.status}: ${await r.text()}`);
}

/** Customer ids 1..reach, spread over the users: what the canary's users read (the backfill has copied them). */
export function customerOf(ctx: DemoContext): (user: number) => number {
  const reach = Math.max(1, ctx.backfillReach ?? ctx.options.customers);
  return (u) => ((u * 7919) % reach) + 1;
}
