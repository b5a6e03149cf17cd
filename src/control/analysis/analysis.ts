/**
 * The canary analysis loop (`createAnalysis`): a component with start()/stop() and a status getter, run by
 * `siphon canary run` or by the supervisor of `siphon start`.
 *
 * Every tick it reads the active canary runs from the state store. For each, once the next interval [windowEnd,
 * windowEnd + interval) has ended and every live gateway process has flushed its stats past it (or a bounded wait
 * has passed), it sums the interval's `route_stats` rows, judges them (judge.ts), moves the run by compare-and-set on
 * its revision, records the verdict with its raw figures, and only then changes the route (advance, promote,
 * rollback) through the RouteStore with an audit entry naming the failing checks and their figures.
 *
 * Abort at any moment: an operator's abort bumps the run's revision, so a verdict computed meanwhile is dropped; and
 * a route taken out of canary mode by anyone while its run is active (e.g. `siphon route rollback`) ends the run as
 * aborted — the analysis never puts traffic back on next behind an operator.
 */
import { assertNever } from '../../errors.js';
import { createLogger, type Logger } from '../../observe/logger.js';
import { counter, gauge } from '../../observe/metrics.js';
import { openStateStore } from '../../state/open.js';
import type { AuditStore, JsonValue, Route, RouteChange, RouteStore, StateStore } from '../../state/types.js';
import { alignUp } from './commands.js';
import { resolveWebhook, type AnalysisConfig } from './config.js';
import { intervalFigures } from './figures.js';
import { afterApproval, afterVerdict, describeFailure, isActive, judge, type RunAction, type Verdict } from './judge.js';
import { openAnalysisStore } from './store/open.js';
import type { AnalysisStore, CanaryRun, RunChange } from './store/types.js';
import { notify, type WebhookEvent } from './webhook.js';

export interface AnalysisOptions {
  /** State store URL (opened, and closed on stop); or give `stores`. */
  readonly stateUrl?: string;
  readonly stores?: { readonly routes: RouteStore & AuditStore; readonly analysis: AnalysisStore };
  /** The config's `analysis` section: webhooks (policies are fixed per run at `canary start`). */
  readonly config?: AnalysisConfig;
  /** How often runs are looked at (default 250 ms). */
  readonly tickMs?: number;
  /** Longest wait past an interval's end for the gateways' flushes before judging anyway (default 5 s). */
  readonly maxWaitMs?: number;
  /** Actor of the audit entries (default `siphon canary analysis`). */
  readonly actor?: string;
  readonly logger?: Logger;
}

export interface RouteAnalysisStatus {
  readonly route: string;
  readonly status: CanaryRun['status'];
  readonly percent: number;
  readonly step: number;
  readonly steps: readonly number[];
  readonly passes: number;
  readonly failures: number;
  readonly lastVerdict?: { readonly pass: boolean; readonly failed: readonly string[]; readonly windowEnd: number };
}

export interface AnalysisStatus {
  readonly running: boolean;
  readonly ticks: number;
  readonly lastTickAt: Date | null;
  readonly lastError: string | null;
  readonly routes: readonly RouteAnalysisStatus[];
}

export interface Analysis {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): AnalysisStatus;
  /** One pass over the runs (the timer calls it; tests may too). */
  tick(): Promise<void>;
}

const LIVE_SOURCE_MS = 30_000;

export function createAnalysis(options: AnalysisOptions): Analysis {
  const log = options.logger ?? createLogger('analysis');
  const actor = options.actor ?? 'siphon canary analysis';
  const tickMs = options.tickMs ?? 250;
  const maxWaitMs = options.maxWaitMs ?? 5000;
  const verdicts = counter({ name: 'siphon_canary_verdicts_total', help: 'Canary analysis verdicts by route and result (pass, fail)', labelNames: ['route', 'result'] });
  const percentGauge = gauge({ name: 'siphon_canary_percent', help: 'Share of users on next per canary route (analysis view)', labelNames: ['route'] });
  let stores: { routes: RouteStore & AuditStore; analysis: AnalysisStore } | undefined = options.stores;
  let owned: StateStore | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let current: Promise<void> | undefined;
  let ticks = 0;
  let lastTickAt: Date | null = null;
  let lastError: string | null = null;
  const view = new Map<string, RouteAnalysisStatus>();
  /** Route changes decided but not yet stored (store unreachable): retried every tick. */
  const pending = new Map<string, { change: RouteChange; action: string; reason: string }>();

  const audit = (action: string, reason: string) => ({ actor, action, reason });

  async function changeRoute(route: string, change: RouteChange, action: string, reason: string): Promise<void> {
    pending.set(route, { change, action, reason });
    await stores!.routes.updateRoute(route, change, audit(action, reason));
    pending.delete(route);
  }

  function hook(event: WebhookEvent, run: CanaryRun, percent: number, text: string, verdict?: Verdict): void {
    void notify(resolveWebhook(options.config, run.route), {
      text, event, route: run.route, percent, step: run.stepIndex, steps: run.policy.steps,
      failedChecks: verdict?.failed ?? [], checks: verdict?.checks ?? [], at: new Date().toISOString(),
    }, log);
  }

  /** Carries out what the state machine decided, after the run's change is stored. */
  async function act(run: CanaryRun, before: CanaryRun, action: RunAction, verdict?: Verdict): Promise<void> {
    const { route } = run;
    const from = before.policy.steps[before.stepIndex]!;
    switch (action.kind) {
      case 'none': return;
      case 'rollback': {
        const reason = run.lastReason ?? 'canary analysis failed';
        await changeRoute(route, { mode: 'legacy', canaryPercent: 0 }, 'canary.rollback', reason);
        log.warn({ route, failed: action.failed, at: from }, 'canary rolled back');
        hook('canary.rollback', run, 0, `:rotating_light: canary of ${route} rolled back to legacy at ${from}%: ${reason}`, verdict);
        return;
      }
      case 'advance': {
        await changeRoute(route, { mode: 'canary', canaryPercent: action.percent }, 'canary.advance',
          `canary analysis: ${before.passes + (before.status === 'waiting' ? 0 : 1)} passing interval(s) at ${from}% → ${action.percent}%`);
        // an abort that landed between our compare-and-set and the route change must still win
        const now = await stores!.analysis.getRun(route);
        if (now && !isActive(now.status) && now.status !== 'promoted') {
          await changeRoute(route, { mode: 'legacy', canaryPercent: 0 }, 'canary.abort', now.lastReason ?? 'aborted');
        }
        log.info({ route, from, to: action.percent }, 'canary advanced');
        return;
      }
      case 'promote': {
        await changeRoute(route, { mode: 'next', canaryPercent: 100 }, 'canary.promote', `canary analysis: every step passed (${run.policy.steps.join(' → ')} %): promoted to next`);
        log.info({ route }, 'canary promoted');
        hook('canary.promote', run, 100, `:white_check_mark: canary of ${route} promoted to next (100%) after ${run.policy.steps.join(' → ')} %`, verdict);
        return;
      }
      case 'gate': {
        log.info({ route, percent: action.percent }, 'canary waiting for approval');
        hook('canary.gate', run, action.percent, `:raised_hand: canary of ${route} holds at ${action.percent}% until an operator approves: siphon canary approve ${route}`, verdict);
        return;
      }
      default: assertNever(action, 'run action');
    }
  }

  /** Moves a run by compare-and-set; false when someone else changed it first. */
  async function move(run: CanaryRun, change: RunChange, action: RunAction, verdict?: Verdict): Promise<boolean> {
    const gateAudit = action.kind === 'gate'
      ? { actor, action: 'canary.gate', subject: run.route, reason: `step ${action.percent}% passed; held until approved` }
      : undefined;
    const moved = await stores!.analysis.updateRun(run.route, run.revision, change, gateAudit);
    if (!moved) return false;
    await act(moved, run, action, verdict);
    return true;
  }

  async function judgeRun(run: CanaryRun, now: number): Promise<void> {
    const p = run.policy;
    // the route must still be ours: anyone taking it out of canary mode aborts the run
    const route = (await stores!.routes.getRoutes()).routes.find((r) => r.id === run.route);
    if (!route || route.mode !== 'canary') {
      const why = route ? `route set to ${route.mode} outside the canary` : 'route removed';
      await stores!.analysis.updateRun(run.route, run.revision, { status: 'aborted', lastReason: why });
      log.warn({ route: run.route, why }, 'canary aborted');
      return;
    }
    if (run.status === 'waiting' && run.approvedIndex >= run.stepIndex) {
      const step = afterApproval(run, p);
      await move(run, { ...step.progress, windowEnd: alignUp(now, p.bucketMs) }, step.action);
      return;
    }
    const from = run.windowEnd;
    const to = from + p.intervalMs;
    if (now < to) return;
    if (now < to + maxWaitMs) {
      const sources = await stores!.analysis.liveSources(now - LIVE_SOURCE_MS);
      if (sources.some((s) => s.flushedUntil < to)) return; // a gateway has not reported this interval yet
    }
    const rows = await stores!.analysis.readStats([run.route], from, to);
    const figures = intervalFigures(run.route, from, to, rows);
    const verdict = judge(figures, p);
    const step = afterVerdict(run, verdict, p);
    const percent = p.steps[run.stepIndex]!;
    const leaving = step.action.kind === 'advance' || step.action.kind === 'promote';
    const lastReason = step.action.kind === 'rollback'
      ? `canary analysis at ${percent}%: ${describeFailure(verdict)}; ${step.progress.failures} consecutive failed interval(s) (threshold ${p.threshold})`
      : undefined;
    const change: RunChange = {
      ...step.progress,
      // a new step is judged from the next bucket after its route change; otherwise intervals follow each other
      windowEnd: leaving ? alignUp(now, p.bucketMs) : to,
      ...(lastReason ? { lastReason } : {}),
    };
    const moved = await move(run, change, step.action, verdict);
    await stores!.analysis.addVerdict({
      route: run.route, windowStart: from, windowEnd: to, stepIndex: run.stepIndex, percent, pass: verdict.pass, failed: verdict.failed,
      action: moved ? step.action.kind : 'skipped', checks: verdict.checks, figures: figures as unknown as JsonValue,
    });
    verdicts.inc({ route: run.route, result: verdict.pass ? 'pass' : 'fail' });
    view.set(run.route, { ...viewOf({ ...run, ...change } as CanaryRun), lastVerdict: { pass: verdict.pass, failed: verdict.failed, windowEnd: to } });
    log.info({ route: run.route, percent, pass: verdict.pass, failed: verdict.failed, action: step.action.kind,
      next: { requests: figures.next.requests, errors: figures.next.errors, p99Ms: figures.next.p99Ms },
      legacy: { requests: figures.legacy.requests, p99Ms: figures.legacy.p99Ms }, compared: figures.compared, realDiffs: figures.realDiffs }, 'canary verdict');
  }

  /**
   * A run that ended (rolled back, aborted, promoted) while its route is still in canary mode and was not changed
   * since: the process that ended it died between the two writes. Finish the route change it decided. A route
   * changed after the run ended is an operator's and is left alone; only runs ended 5 s to 10 minutes ago count.
   */
  async function finishRoute(run: CanaryRun, route: Route | undefined, now: number): Promise<void> {
    if (!route || route.mode !== 'canary' || pending.has(run.route)) return;
    const ended = run.updatedAt.getTime();
    // 5 s of grace: the process that ended the run is normally storing the route change right now
    if (now - ended < 5_000 || now - ended > 600_000 || route.updatedAt.getTime() > ended) return;
    const promoted = run.status === 'promoted';
    const action = promoted ? 'canary.promote' : run.status === 'aborted' ? 'canary.abort' : 'canary.rollback';
    log.warn({ route: run.route, status: run.status }, 'canary ended but its route change was never stored: storing it now');
    await changeRoute(run.route, promoted ? { mode: 'next', canaryPercent: 100 } : { mode: 'legacy', canaryPercent: 0 }, action,
      `${run.lastReason ?? `canary ${run.status}`} (route change completed after a restart)`);
  }

  function viewOf(run: CanaryRun): RouteAnalysisStatus {
    const percent = run.status === 'promoted' ? 100 : isActive(run.status) ? run.policy.steps[run.stepIndex]! : 0;
    return { route: run.route, status: run.status, percent, step: run.stepIndex, steps: run.policy.steps, passes: run.passes, failures: run.failures,
      ...(view.get(run.route)?.lastVerdict ? { lastVerdict: view.get(run.route)!.lastVerdict! } : {}) };
  }

  async function tick(): Promise<void> {
    for (const [route, p] of [...pending]) {
      try { await changeRoute(route, p.change, p.action, p.reason); } catch (e) { lastError = (e as Error).message; }
    }
    const runs = await stores!.analysis.listRuns();
    const now = Date.now();
    const table = runs.some((r) => !isActive(r.status)) ? await stores!.routes.getRoutes() : undefined;
    for (let run of runs) {
      if (!isActive(run.status) && table) {
        try { await finishRoute(run, table.routes.find((r) => r.id === run.route), now); } catch (e) { lastError = `${run.route}: ${(e as Error).message}`; }
      }
      if (isActive(run.status)) {
        try {
          // catch up interval by interval after a pause (bounded per tick)
          for (let i = 0; i < 10 && isActive(run.status); i++) {
            const before = run.revision;
            await judgeRun(run, now);
            const after = await stores!.analysis.getRun(run.route);
            if (!after || after.revision === before) break;
            run = after;
          }
        } catch (e) {
          lastError = `${run.route}: ${(e as Error).message}`;
          log.error({ route: run.route, error: (e as Error).message }, 'canary analysis failed on a route; retrying next tick');
        }
      }
      const v = viewOf(run);
      view.set(run.route, v);
      percentGauge.set({ route: run.route }, v.percent);
    }
    ticks++;
    lastTickAt = new Date();
  }

  const loop = (): void => {
    if (!running) return;
    current = tick().catch((e: Error) => { lastError = e.message; log.error({ error: e.message }, 'canary analysis tick failed'); })
      .finally(() => { if (running) { timer = setTimeout(loop, tickMs); } });
  };

  return {
    async start() {
      if (running) return;
      if (!stores) {
        if (!options.stateUrl) throw new TypeError('createAnalysis needs stateUrl or stores');
        owned = await openStateStore(options.stateUrl); // applies the migrations
        stores = { routes: owned, analysis: await openAnalysisStore(options.stateUrl) };
      }
      running = true;
      log.info({ tickMs }, 'canary analysis started');
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
      if (owned) { await stores?.analysis.close(); await owned.close(); stores = undefined; owned = undefined; }
    },
    status: () => ({ running, ticks, lastTickAt, lastError, routes: [...view.values()] }),
    tick: () => tick(),
  };
}
