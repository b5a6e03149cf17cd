/**
 * The judge: pure functions from one interval's figures to a verdict, and from a verdict to the next state of a
 * canary run. No I/O, no clock: the loop (analysis.ts) feeds them, tests drive them table by table.
 *
 * Rules taken from where peers misjudge thin traffic (Flagger 1035/1011, Kayenta 633/377):
 *  - a check may only PASS on at least `minRequests` requests of next in the interval: fewer is "no data";
 *  - no data is a failure, never a pass: traffic that vanishes can never advance a step;
 *  - next's error rate is held to an absolute bound: an error-free legacy baseline does not excuse next's errors
 *    (and a failing legacy does not excuse them either);
 *  - latency is next's p99 against legacy's over the SAME interval, a ratio bound, with a tolerance in ms under which
 *    a difference is bucket resolution, not slowness;
 *  - every verdict carries the raw figures it was made from.
 */
import { assertNever } from '../../errors.js';
import type { IntervalFigures } from './figures.js';

export type CheckName = 'error_rate' | 'latency' | 'diff_rate';
export const CHECK_NAMES: readonly CheckName[] = ['error_rate', 'latency', 'diff_rate'];

/** What the judge needs to know about a route (resolved from the config and `canary start` flags). */
export interface AnalysisPolicy {
  /** Interval length in ms (a multiple of the stats bucket). */
  readonly intervalMs: number;
  /** The gateways' stats bucket in ms: interval boundaries are aligned to it. */
  readonly bucketMs: number;
  /** Consecutive failed intervals that roll the route back (1 = the first failure). */
  readonly threshold: number;
  /** Requests of next per interval before any check may pass. */
  readonly minRequests: number;
  /** Share 0..1 of next's requests that may fail (5xx, no answer, fallback to legacy). */
  readonly maxErrorRate: number;
  /** next p99 / legacy p99 bound. */
  readonly maxLatencyRatio: number;
  /** next p99 may exceed the ratio by up to this many ms (histogram resolution, scheduling noise). */
  readonly latencyToleranceMs: number;
  /** Share 0..1 of compared exchanges with a real difference; null: the diff check is off. */
  readonly maxDiffRate: number | null;
  /** Compared exchanges per interval before the diff check may pass. */
  readonly minCompared: number;
  /** Canary percentages, increasing; reaching 100 (or passing the last step) promotes the route to next. */
  readonly steps: readonly number[];
  /** Passing intervals needed at a step before the next one. */
  readonly passesPerStep: number;
  /** Percentages whose step is held until an operator approves (`siphon canary approve`). */
  readonly gates: readonly number[];
}

export type CheckOutcome = 'pass' | 'fail' | 'no-data';

export interface CheckResult {
  readonly check: CheckName;
  readonly outcome: CheckOutcome;
  /** Measured value (a rate, a ratio) or null when there was nothing to measure. */
  readonly value: number | null;
  /** The bound it was held to. */
  readonly limit: number;
  /** One line with the figures, e.g. `next 5xx 12.5% of 40 requests > max 5.0%`. */
  readonly detail: string;
}

export interface Verdict {
  readonly pass: boolean;
  readonly checks: readonly CheckResult[];
  /** Failed or no-data checks, in CHECK_NAMES order. */
  readonly failed: readonly CheckName[];
  readonly figures: IntervalFigures;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function errorRateCheck(f: IntervalFigures, p: AnalysisPolicy): CheckResult {
  const n = f.next;
  if (n.requests < p.minRequests) {
    return { check: 'error_rate', outcome: 'no-data', value: n.errorRate, limit: p.maxErrorRate,
      detail: `no data: ${n.requests} next requests < min ${p.minRequests}` };
  }
  const rate = n.errors / n.requests;
  const ok = rate <= p.maxErrorRate;
  return { check: 'error_rate', outcome: ok ? 'pass' : 'fail', value: rate, limit: p.maxErrorRate,
    detail: `next errors ${n.errors}/${n.requests} = ${pct(rate)} ${ok ? '<=' : '>'} max ${pct(p.maxErrorRate)} (legacy ${f.legacy.errors}/${f.legacy.requests})` };
}

function latencyCheck(f: IntervalFigures, p: AnalysisPolicy): CheckResult {
  const { next: n, legacy: l } = f;
  if (n.requests < p.minRequests || l.requests < p.minRequests || n.p99Ms === null || l.p99Ms === null) {
    return { check: 'latency', outcome: 'no-data', value: null, limit: p.maxLatencyRatio,
      detail: `no data: ${n.requests} next and ${l.requests} legacy requests (min ${p.minRequests} each)` };
  }
  const ratio = l.p99Ms > 0 ? n.p99Ms / l.p99Ms : n.p99Ms > 0 ? Infinity : 1;
  const ok = n.p99Ms <= l.p99Ms * p.maxLatencyRatio + p.latencyToleranceMs;
  return { check: 'latency', outcome: ok ? 'pass' : 'fail', value: Number.isFinite(ratio) ? ratio : null, limit: p.maxLatencyRatio,
    detail: `next p99 ${n.p99Ms.toFixed(1)} ms vs legacy p99 ${l.p99Ms.toFixed(1)} ms: ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'inf'} ${ok ? '<=' : '>'} max ${p.maxLatencyRatio} (+${p.latencyToleranceMs} ms tolerance)` };
}

function diffRateCheck(f: IntervalFigures, p: AnalysisPolicy, max: number): CheckResult {
  if (f.compared < p.minCompared || f.compared === 0) {
    return { check: 'diff_rate', outcome: 'no-data', value: f.diffRate, limit: max,
      detail: `no data: ${f.compared} compared exchanges < min ${p.minCompared}` };
  }
  const rate = f.realDiffs / f.compared;
  const ok = rate <= max;
  return { check: 'diff_rate', outcome: ok ? 'pass' : 'fail', value: rate, limit: max,
    detail: `real differences ${f.realDiffs}/${f.compared} compared = ${pct(rate)} ${ok ? '<=' : '>'} max ${pct(max)}` };
}

/** Judges one interval: every enabled check must pass; "no data" fails. */
export function judge(figures: IntervalFigures, policy: AnalysisPolicy): Verdict {
  const checks: CheckResult[] = [errorRateCheck(figures, policy), latencyCheck(figures, policy)];
  if (policy.maxDiffRate !== null) checks.push(diffRateCheck(figures, policy, policy.maxDiffRate));
  const failed = checks.filter((c) => c.outcome !== 'pass').map((c) => c.check);
  return { pass: failed.length === 0, checks, failed, figures };
}

// --------------------------------------------------------------------------------------------- the run's state machine

export type RunStatus = 'progressing' | 'waiting' | 'promoted' | 'rolled-back' | 'aborted';
export const RUN_STATUSES: readonly RunStatus[] = ['progressing', 'waiting', 'promoted', 'rolled-back', 'aborted'];
export const isActive = (s: RunStatus): boolean => s === 'progressing' || s === 'waiting';

/** The part of a canary run the judge moves. */
export interface RunProgress {
  readonly status: RunStatus;
  readonly stepIndex: number;
  /** Passing intervals at the current step. */
  readonly passes: number;
  /** Consecutive failed intervals. */
  readonly failures: number;
  /** Highest step index an operator approved (-1: none). */
  readonly approvedIndex: number;
}

/** What the loop must do after a verdict: change the route (advance, promote, rollback), tell (gate), or nothing. */
export type RunAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'advance'; readonly percent: number }
  | { readonly kind: 'promote' }
  | { readonly kind: 'gate'; readonly percent: number }
  | { readonly kind: 'rollback'; readonly failed: readonly CheckName[] };

export interface Step { readonly progress: RunProgress; readonly action: RunAction }

/** Moves past the current step: the next percentage, or promotion at 100 % / after the last step. */
function stepUp(r: RunProgress, policy: AnalysisPolicy): Step {
  const i = r.stepIndex + 1;
  if (i >= policy.steps.length || policy.steps[i]! >= 100) {
    return { progress: { ...r, status: 'promoted', stepIndex: Math.min(i, policy.steps.length - 1), passes: 0, failures: 0 }, action: { kind: 'promote' } };
  }
  return { progress: { ...r, status: 'progressing', stepIndex: i, passes: 0, failures: 0 }, action: { kind: 'advance', percent: policy.steps[i]! } };
}

/** The next state after one interval's verdict. Inactive runs never move. */
export function afterVerdict(r: RunProgress, verdict: Pick<Verdict, 'pass' | 'failed'>, policy: AnalysisPolicy): Step {
  switch (r.status) {
    case 'promoted': case 'rolled-back': case 'aborted': return { progress: r, action: { kind: 'none' } };
    case 'progressing': case 'waiting': break;
    default: return assertNever(r.status, 'run status');
  }
  if (!verdict.pass) {
    const failures = r.failures + 1;
    if (failures >= policy.threshold) {
      return { progress: { ...r, status: 'rolled-back', failures }, action: { kind: 'rollback', failed: verdict.failed } };
    }
    return { progress: { ...r, failures }, action: { kind: 'none' } };
  }
  const passes = r.status === 'waiting' ? r.passes : r.passes + 1;
  const ready = { ...r, passes, failures: 0 };
  if (passes < policy.passesPerStep) return { progress: ready, action: { kind: 'none' } };
  return leaveStep(ready, policy);
}

/** A step whose passes are done: held by a gate until approved, else up. */
function leaveStep(r: RunProgress, policy: AnalysisPolicy): Step {
  const percent = policy.steps[r.stepIndex]!;
  if (policy.gates.includes(percent) && r.approvedIndex < r.stepIndex) {
    // tell once, on entering the wait
    return { progress: { ...r, status: 'waiting' }, action: r.status === 'waiting' ? { kind: 'none' } : { kind: 'gate', percent } };
  }
  return stepUp(r, policy);
}

/** An operator's approval of the current step; a waiting run whose passes are done moves at once. */
export function afterApproval(r: RunProgress, policy: AnalysisPolicy): Step {
  if (!isActive(r.status)) return { progress: r, action: { kind: 'none' } };
  const approved = { ...r, approvedIndex: Math.max(r.approvedIndex, r.stepIndex) };
  if (r.status === 'waiting') return stepUp(approved, policy);
  return { progress: approved, action: { kind: 'none' } };
}

/** One line naming the failing checks with their figures, for the audit entry and the webhook. */
export function describeFailure(verdict: Pick<Verdict, 'checks'>): string {
  return verdict.checks.filter((c) => c.outcome !== 'pass').map((c) => `${c.check} ${c.outcome === 'no-data' ? 'no data' : 'failed'} (${c.detail})`).join('; ');
}
