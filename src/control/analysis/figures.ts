/**
 * Figures of one route over one interval, summed from the gateways' per-bucket rows (`route_stats`). Latency is kept
 * as histogram bucket counts (the gateway's own histogram bounds), so rows of several processes add up exactly and a
 * quantile is read from the sum, never averaged from per-process quantiles.
 */
import { LATENCY_BUCKETS } from '../../observe/metrics.js';

/** Upper bounds (seconds) of the latency histogram buckets; one more count slot holds +Inf. */
export const STATS_BOUNDS: readonly number[] = LATENCY_BUCKETS;

export interface SideCounts {
  readonly requests: number;
  /** 5xx answers and exchanges without an answer. For next, fallbacks (next failed, legacy answered) count too. */
  readonly errors: number;
  /** Per-bucket (not cumulative) counts, `STATS_BOUNDS.length + 1` long. */
  readonly latency: readonly number[];
}

/** One gateway process's counts for one route and one time bucket. */
export interface RouteStatsRow {
  readonly route: string;
  /** Epoch ms, aligned to `bucketMs`. */
  readonly bucketStart: number;
  readonly bucketMs: number;
  readonly source: string;
  readonly legacy: SideCounts;
  readonly next: SideCounts;
  /** Next-routed requests answered from legacy (next failed): included in `next.requests` and `next.errors`. */
  readonly fallbacks: number;
  /** Exchanges compared by the shadow diff, and those with a real difference (after noise cancellation). */
  readonly compared: number;
  readonly realDiffs: number;
}

export interface SideFigures {
  readonly requests: number;
  readonly errors: number;
  /** errors / requests, null without requests. */
  readonly errorRate: number | null;
  /** 99th percentile in ms (interpolated inside its histogram bucket), null without requests. */
  readonly p99Ms: number | null;
}

export interface IntervalFigures {
  readonly route: string;
  /** Epoch ms, [from, to). */
  readonly from: number;
  readonly to: number;
  readonly legacy: SideFigures;
  readonly next: SideFigures;
  readonly fallbacks: number;
  readonly compared: number;
  readonly realDiffs: number;
  /** realDiffs / compared, null when nothing was compared. */
  readonly diffRate: number | null;
}

export const emptyCounts = (): SideCounts => ({ requests: 0, errors: 0, latency: new Array<number>(STATS_BOUNDS.length + 1).fill(0) });

/** Quantile `q` (0..1) of a bucketed histogram, as Prometheus' histogram_quantile: linear inside the bucket. */
export function histogramQuantile(bounds: readonly number[], counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (acc + c >= rank && c > 0) {
      // +Inf bucket: the best we can say is its lower bound (the highest finite one)
      if (i >= bounds.length) return bounds[bounds.length - 1]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - acc) / c);
    }
    acc += c;
  }
  return bounds[bounds.length - 1]!;
}

function side(counts: SideCounts): SideFigures {
  const p = histogramQuantile(STATS_BOUNDS, counts.latency, 0.99);
  return {
    requests: counts.requests, errors: counts.errors,
    errorRate: counts.requests === 0 ? null : counts.errors / counts.requests,
    p99Ms: p === null ? null : Math.round(p * 1_000_000) / 1000,
  };
}

function add(a: SideCounts, b: SideCounts): SideCounts {
  return { requests: a.requests + b.requests, errors: a.errors + b.errors, latency: a.latency.map((n, i) => n + (b.latency[i] ?? 0)) };
}

/** Sums the rows of one route whose bucket starts inside [from, to). */
export function intervalFigures(route: string, from: number, to: number, rows: readonly RouteStatsRow[]): IntervalFigures {
  let legacy = emptyCounts();
  let next = emptyCounts();
  let fallbacks = 0;
  let compared = 0;
  let realDiffs = 0;
  for (const r of rows) {
    if (r.route !== route || r.bucketStart < from || r.bucketStart >= to) continue;
    legacy = add(legacy, r.legacy);
    next = add(next, r.next);
    fallbacks += r.fallbacks;
    compared += r.compared;
    realDiffs += r.realDiffs;
  }
  // a real difference is counted per exchange; a field turning real later may attribute old exchanges to this
  // interval (see collector.ts): never report more real differences than comparisons
  realDiffs = Math.min(realDiffs, compared);
  return { route, from, to, legacy: side(legacy), next: side(next), fallbacks, compared, realDiffs,
    diffRate: compared === 0 ? null : realDiffs / compared };
}
