import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/control/analysis/config.js';
import { histogramQuantile, intervalFigures, STATS_BOUNDS, type IntervalFigures, type RouteStatsRow } from '../../../src/control/analysis/figures.js';
import { afterApproval, afterVerdict, judge, type AnalysisPolicy, type RunProgress } from '../../../src/control/analysis/judge.js';

const POLICY: AnalysisPolicy = { ...DEFAULT_POLICY, intervalMs: 1000, minRequests: 20, minCompared: 10, threshold: 2, passesPerStep: 2,
  steps: [1, 5, 25, 50, 100], maxErrorRate: 0.05, maxLatencyRatio: 2, latencyToleranceMs: 10, maxDiffRate: 0.05, gates: [] };
const START: RunProgress = { status: 'progressing', stepIndex: 0, passes: 0, failures: 0, approvedIndex: -1 };

/** A histogram with every observation at `ms` (the bucket just above it). */
function latencyAt(ms: number, n: number): number[] {
  const counts = new Array<number>(STATS_BOUNDS.length + 1).fill(0);
  let i = STATS_BOUNDS.findIndex((b) => ms / 1000 <= b);
  if (i < 0) i = STATS_BOUNDS.length;
  counts[i] = n;
  return counts;
}

interface Shape { legacy?: number; legacyErrors?: number; legacyMs?: number; next?: number; nextErrors?: number; nextMs?: number; fallbacks?: number; compared?: number; real?: number }
function figures(s: Shape): IntervalFigures {
  const row: RouteStatsRow = {
    route: 'r', bucketStart: 0, bucketMs: 1000, source: 'p',
    legacy: { requests: s.legacy ?? 100, errors: s.legacyErrors ?? 0, latency: latencyAt(s.legacyMs ?? 5, s.legacy ?? 100) },
    next: { requests: s.next ?? 100, errors: s.nextErrors ?? 0, latency: latencyAt(s.nextMs ?? 5, s.next ?? 100) },
    fallbacks: s.fallbacks ?? 0, compared: s.compared ?? 100, realDiffs: s.real ?? 0,
  };
  return intervalFigures('r', 0, 1000, [row]);
}

describe('judge: one interval', () => {
  const cases: [string, Shape, string[]][] = [
    ['healthy', {}, []],
    ['no traffic at all is a failure of every check', { legacy: 0, next: 0, compared: 0 }, ['error_rate', 'latency', 'diff_rate']],
    ['thin next traffic cannot pass (below minRequests)', { next: 19, compared: 19 }, ['error_rate', 'latency']],
    ['exactly minRequests may pass', { next: 20, compared: 20 }, []],
    ['next errors above the bound fail', { nextErrors: 6 }, ['error_rate']],
    ['an error-free legacy does not excuse next', { legacyErrors: 0, nextErrors: 10 }, ['error_rate']],
    ['a failing legacy does not excuse next either', { legacyErrors: 50, nextErrors: 10 }, ['error_rate']],
    ['next errors at the bound pass', { nextErrors: 5 }, []],
    ['slow next fails the latency ratio', { legacyMs: 5, nextMs: 200 }, ['latency']],
    ['a small absolute difference is within tolerance', { legacyMs: 1, nextMs: 4 }, []],
    ['no legacy baseline: latency has no data', { legacy: 0 }, ['latency']],
    ['real differences above the bound fail', { real: 10 }, ['diff_rate']],
    ['too few comparisons: diff has no data', { compared: 5, real: 0 }, ['diff_rate']],
  ];
  it.each(cases)('%s', (_name, shape, failed) => {
    const v = judge(figures(shape), POLICY);
    expect(v.failed).toEqual(failed);
    expect(v.pass).toBe(failed.length === 0);
    expect(v.figures.next.requests).toBe(shape.next ?? 100); // raw figures travel with the verdict
  });

  it('the diff check is off when maxDiffRate is null', () => {
    expect(judge(figures({ real: 100 }), { ...POLICY, maxDiffRate: null }).checks.map((c) => c.check)).toEqual(['error_rate', 'latency']);
  });

  it('names the figures in each failing check', () => {
    const v = judge(figures({ nextErrors: 30 }), POLICY);
    expect(v.checks.find((c) => c.check === 'error_rate')!.detail).toContain('30/100');
  });
});

describe('histogram quantile', () => {
  it('interpolates inside the bucket holding the rank and is null without data', () => {
    expect(histogramQuantile([1, 2], [0, 0, 0], 0.99)).toBeNull();
    expect(histogramQuantile([1, 2], [50, 50, 0], 0.5)).toBeCloseTo(1);
    expect(histogramQuantile([1, 2], [0, 100, 0], 0.99)).toBeCloseTo(1.99);
    expect(histogramQuantile([1, 2], [0, 0, 10], 0.99)).toBe(2);
  });
});

describe('the run: steps, failures, gates', () => {
  const pass = { pass: true, failed: [] } as const;
  const fail = { pass: false, failed: ['error_rate'] } as const;

  it('advances after passesPerStep passing intervals, step by step, then promotes at 100', () => {
    let r = START;
    const actions: string[] = [];
    for (let i = 0; i < 8; i++) { const s = afterVerdict(r, pass, POLICY); r = s.progress; actions.push(s.action.kind === 'advance' ? `advance:${s.action.percent}` : s.action.kind); }
    expect(actions).toEqual(['none', 'advance:5', 'none', 'advance:25', 'none', 'advance:50', 'none', 'promote']);
    expect(r.status).toBe('promoted');
    expect(afterVerdict(r, fail, POLICY).action.kind).toBe('none'); // terminal
  });

  it('rolls back on the threshold-th consecutive failure; a pass in between resets the count', () => {
    let r = afterVerdict(START, fail, POLICY).progress;
    expect(r.failures).toBe(1);
    r = afterVerdict(r, pass, POLICY).progress;
    expect(r.failures).toBe(0);
    r = afterVerdict(r, fail, POLICY).progress;
    const s = afterVerdict(r, fail, POLICY);
    expect(s.action).toEqual({ kind: 'rollback', failed: ['error_rate'] });
    expect(s.progress.status).toBe('rolled-back');
  });

  it('a gate holds the step until approved, tells once, and approval moves it on', () => {
    const gated = { ...POLICY, gates: [5] };
    let r: RunProgress = { ...START, stepIndex: 1 };
    r = afterVerdict(r, pass, gated).progress;
    const held = afterVerdict(r, pass, gated);
    expect(held.action).toEqual({ kind: 'gate', percent: 5 });
    expect(held.progress.status).toBe('waiting');
    const still = afterVerdict(held.progress, pass, gated);
    expect(still.action.kind).toBe('none');
    expect(still.progress.status).toBe('waiting');
    const approved = afterApproval(still.progress, gated);
    expect(approved.action).toEqual({ kind: 'advance', percent: 25 });
  });
});

// ------------------------------------------------------------------------------------------------ properties

const shapeArb = fc.record({
  legacy: fc.nat({ max: 200 }), legacyErrors: fc.nat({ max: 50 }), legacyMs: fc.integer({ min: 1, max: 2000 }),
  next: fc.nat({ max: 200 }), nextErrors: fc.nat({ max: 50 }), nextMs: fc.integer({ min: 1, max: 2000 }),
  compared: fc.nat({ max: 200 }), real: fc.nat({ max: 50 }),
}).map((s) => ({ ...s, legacyErrors: Math.min(s.legacyErrors, s.legacy), nextErrors: Math.min(s.nextErrors, s.next), real: Math.min(s.real, s.compared) }));

const policyArb = fc.record({
  minRequests: fc.integer({ min: 1, max: 100 }), threshold: fc.integer({ min: 1, max: 4 }), passesPerStep: fc.integer({ min: 1, max: 4 }),
}).map((p) => ({ ...POLICY, ...p, minCompared: p.minRequests }));

describe('judge properties', () => {
  it('an interval with fewer than minRequests next requests never passes', () => {
    fc.assert(fc.property(shapeArb, policyArb, (s, p) => {
      fc.pre(s.next < p.minRequests);
      expect(judge(figures(s), p).pass).toBe(false);
    }));
  });

  it('an interval with no data at all is a failure', () => {
    fc.assert(fc.property(policyArb, (p) => {
      expect(judge(figures({ legacy: 0, next: 0, compared: 0 }), p).pass).toBe(false);
    }));
  });

  it('next above the error bound fails whatever legacy does', () => {
    fc.assert(fc.property(shapeArb, policyArb, (s, p) => {
      fc.pre(s.next >= p.minRequests && s.nextErrors / s.next > p.maxErrorRate);
      expect(judge(figures(s), p).failed).toContain('error_rate');
    }));
  });

  it('never advances or promotes a step without passesPerStep intervals of at least minRequests at that step', () => {
    fc.assert(fc.property(fc.array(shapeArb, { maxLength: 40 }), policyArb, (seq, p) => {
      let r = START;
      let sufficientAtStep = 0;
      for (const s of seq) {
        const v = judge(figures(s), p);
        if (s.next >= p.minRequests && v.pass) sufficientAtStep++;
        const step = afterVerdict(r, v, p);
        if (step.action.kind === 'advance' || step.action.kind === 'promote') {
          expect(sufficientAtStep).toBeGreaterThanOrEqual(p.passesPerStep);
          sufficientAtStep = 0;
        }
        r = step.progress;
      }
    }));
  });

  it('rolls back exactly when `threshold` consecutive intervals failed, and rollback is final', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 40 }), policyArb, (passes, p) => {
      let r = START;
      let streak = 0;
      for (const ok of passes) {
        const before = r.status;
        const step = afterVerdict(r, ok ? { pass: true, failed: [] } : { pass: false, failed: ['latency'] }, p);
        if (before === 'rolled-back' || before === 'promoted') { expect(step.progress).toEqual(r); continue; }
        streak = ok ? 0 : streak + 1;
        expect(step.action.kind === 'rollback').toBe(streak >= p.threshold);
        r = step.progress;
      }
    }));
  });

  it('the percentage only goes up while the run is active', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 40 }), policyArb, (passes, p) => {
      let r = START;
      for (const ok of passes) {
        const step = afterVerdict(r, ok ? { pass: true, failed: [] } : { pass: false, failed: ['latency'] }, p);
        expect(step.progress.stepIndex).toBeGreaterThanOrEqual(r.stepIndex);
        r = step.progress;
      }
    }));
  });
});
