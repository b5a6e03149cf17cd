/**
 * The gateway side of canary analysis: publishes per-route, per-side, per-bucket counts into the state store's
 * `route_stats` table, where the analysis (possibly another process) reads them.
 *
 * The hot path is not touched: the gateway already bumps in-memory live metrics per request (requests by route, side
 * and status class; a latency histogram by side and route; fallbacks by route), and the diff sink keeps its own
 * aggregate. Once per bucket (default 1 s, aligned to the wall clock) this collector reads those cumulative figures
 * off-path, subtracts what it sent last time, and writes one row per route that moved, plus the process's
 * `flushed_until` mark, in one transaction. A failed write keeps its deltas for the next flush: nothing is lost, it is
 * only attributed to a later bucket.
 *
 * Live metrics are per process (one registry): run ONE collector per gateway process (several gateways in one process
 * share the counters, and two collectors would count them twice).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { GatewayMetrics } from '../../gateway/gateway-metrics.js';
import type { DiffReport } from '../../gateway/diff/report.js';
import { createLogger, type Logger } from '../../observe/logger.js';
import { emptyCounts, STATS_BOUNDS, type RouteStatsRow, type SideCounts } from './figures.js';
import type { AnalysisStore } from './store/types.js';

export interface RouteStatsCollectorOptions {
  readonly metrics: Pick<GatewayMetrics, 'requests' | 'latency' | 'fallbacks'>;
  /** The gateway's diff sink (compared exchanges, real differences); absent: no diff figures. */
  readonly diff?: { report(): DiffReport };
  readonly store: Pick<AnalysisStore, 'writeStats' | 'prune'>;
  /** Bucket length in ms (default 1000); the analysis' intervals are whole multiples of it. */
  readonly bucketMs?: number;
  /** Stats rows older than this are deleted (default 1 h), checked once a minute. */
  readonly retentionMs?: number;
  /** Name of this process in the rows (default host:pid:random). */
  readonly source?: string;
  readonly logger?: Logger;
}

export interface RouteStatsCollector {
  readonly source: string;
  /** Flushes what moved since the last flush now (tests; the timer does it every bucket). */
  flush(): Promise<void>;
  /** Stops the timer after a last flush. */
  stop(): Promise<void>;
}

export interface StatsSnapshot {
  /** `route\0side` → [requests, errors]. */
  readonly requests: Map<string, [number, number]>;
  /** `route\0side` → per-bucket latency counts. */
  readonly latency: Map<string, number[]>;
  readonly fallbacks: Map<string, number>;
  /** route → [compared, real]. */
  readonly diff: Map<string, [number, number]>;
}

type Exported = { value: number; labels: Record<string, string | number>; metricName?: string };
const key = (route: string, side: string): string => `${route}\0${side}`;

async function snapshot(o: RouteStatsCollectorOptions): Promise<StatsSnapshot> {
  const requests = new Map<string, [number, number]>();
  for (const v of (await o.metrics.requests.get()).values as Exported[]) {
    const k = key(String(v.labels.route), String(v.labels.side));
    const cur = requests.get(k) ?? [0, 0];
    const cls = String(v.labels.status_class);
    requests.set(k, [cur[0] + v.value, cur[1] + (cls === '5xx' || cls === 'error' ? v.value : 0)]);
  }
  const latency = new Map<string, number[]>();
  for (const v of (await o.metrics.latency.get()).values as Exported[]) {
    if (!v.metricName?.endsWith('_bucket')) continue;
    const k = key(String(v.labels.route), String(v.labels.side));
    let cum = latency.get(k);
    if (!cum) { cum = new Array<number>(STATS_BOUNDS.length + 1).fill(0); latency.set(k, cum); }
    const le = v.labels.le;
    const i = le === '+Inf' ? STATS_BOUNDS.length : STATS_BOUNDS.indexOf(Number(le));
    if (i >= 0) cum[i] = v.value;
  }
  // cumulative (Prometheus `le`) → per bucket
  for (const cum of latency.values()) for (let i = cum.length - 1; i > 0; i--) cum[i] = cum[i]! - cum[i - 1]!;
  const fallbacks = new Map<string, number>();
  for (const v of (await o.metrics.fallbacks.get()).values as Exported[]) {
    const r = String(v.labels.route);
    fallbacks.set(r, (fallbacks.get(r) ?? 0) + v.value);
  }
  const diff = new Map<string, [number, number]>();
  if (o.diff) {
    for (const ep of o.diff.report().endpoints) {
      const cur = diff.get(ep.routeId) ?? [0, 0];
      diff.set(ep.routeId, [cur[0] + ep.compared, cur[1] + ep.compared - ep.compatible]);
    }
  }
  return { requests, latency, fallbacks, diff };
}

const nonNeg = (x: number): number => (x > 0 ? x : 0);

/** The rows for what moved between two snapshots, next's figures counting fallbacks as next requests that failed. */
export function statsDelta(prev: StatsSnapshot, cur: StatsSnapshot, bucketStart: number, bucketMs: number, source: string): RouteStatsRow[] {
  const routes = new Set<string>();
  for (const k of cur.requests.keys()) routes.add(k.split('\0')[0]!);
  for (const r of cur.diff.keys()) routes.add(r);
  const rows: RouteStatsRow[] = [];
  for (const route of routes) {
    const side = (s: 'legacy' | 'next'): SideCounts => {
      const k = key(route, s);
      const [r1, e1] = cur.requests.get(k) ?? [0, 0];
      const [r0, e0] = prev.requests.get(k) ?? [0, 0];
      const l1 = cur.latency.get(k);
      const l0 = prev.latency.get(k);
      const latency = emptyCounts().latency.map((_, i) => nonNeg((l1?.[i] ?? 0) - (l0?.[i] ?? 0)));
      return { requests: nonNeg(r1 - r0), errors: nonNeg(e1 - e0), latency };
    };
    const fb = nonNeg((cur.fallbacks.get(route) ?? 0) - (prev.fallbacks.get(route) ?? 0));
    const [c1, d1] = cur.diff.get(route) ?? [0, 0];
    const [c0, d0] = prev.diff.get(route) ?? [0, 0];
    const legacy = side('legacy');
    const next = side('next');
    // a fallback is a next-routed request next failed, answered (and counted) by legacy: move it to next's figures
    const row: RouteStatsRow = {
      route, bucketStart, bucketMs, source,
      legacy: { ...legacy, requests: nonNeg(legacy.requests - fb) },
      next: { ...next, requests: next.requests + fb, errors: next.errors + fb },
      fallbacks: fb, compared: nonNeg(c1 - c0), realDiffs: nonNeg(d1 - d0),
    };
    if (legacy.requests + next.requests + fb + row.compared + row.realDiffs > 0) rows.push(row);
  }
  return rows;
}

export async function createRouteStatsCollector(o: RouteStatsCollectorOptions): Promise<RouteStatsCollector> {
  const bucketMs = o.bucketMs ?? 1000;
  const retentionMs = o.retentionMs ?? 3_600_000;
  const source = o.source ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const log = o.logger ?? createLogger('analysis.collector');
  let prev = await snapshot(o); // what happened before this collector started is not ours to report
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastPrune = 0;
  let failing = false;

  const flushOnce = async (): Promise<void> => {
    const now = Date.now();
    const boundary = Math.floor(now / bucketMs) * bucketMs;
    const cur = await snapshot(o);
    const rows = statsDelta(prev, cur, boundary - bucketMs, bucketMs, source);
    try {
      await o.store.writeStats(rows, source, boundary);
      prev = cur; // only once written: a failed write is carried into the next flush
      if (failing) { failing = false; log.info({ source }, 'route stats flushing again'); }
    } catch (e) {
      if (!failing) log.warn({ error: (e as Error).message, source }, 'route stats flush failed; kept for the next flush');
      failing = true;
    }
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      await o.store.prune(now - retentionMs, 10_000).catch((e: Error) => log.warn({ error: e.message }, 'route stats prune failed'));
    }
  };
  const flush = (): Promise<void> => {
    running = (running ?? Promise.resolve()).then(flushOnce);
    return running;
  };
  const schedule = (): void => {
    if (stopped) return;
    // just after the next bucket boundary (aligned on the wall clock, so every process's buckets line up)
    const wait = bucketMs - (Date.now() % bucketMs) + 5;
    timer = setTimeout(() => {
      void flush().catch((e: Error) => log.warn({ error: e.message }, 'route stats flush failed')).finally(schedule);
    }, wait);
    timer.unref();
  };
  schedule();
  return {
    source,
    flush,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await flush();
    },
  };
}
