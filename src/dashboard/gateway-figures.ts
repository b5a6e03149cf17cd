import { bucketQuantile, parsePromText, type Sample } from './prom-text.js';

/**
 * The gateway's figures the dashboard charts, read from its Prometheus text (this process's registry, or the
 * cluster's aggregated text): requests, failed requests and latency buckets per route and answering side, and the
 * noise-cancelled compatibility per route. Counters are cumulative; `deltaFigures` turns two readings into one
 * interval's figures, which is what the charts show.
 */
export type Side = 'legacy' | 'next';

export interface SideFigures {
  readonly requests: number;
  /** Answers the user got as 5xx or as a broken exchange (status class `5xx` or `error`). */
  readonly failed: number;
  /** Cumulative latency buckets in seconds (`le` → count). */
  readonly buckets: ReadonlyMap<number, number>;
}

export interface RouteFigures {
  readonly legacy: SideFigures;
  readonly next: SideFigures;
  /** Share of compared answers with no real difference (after noise cancellation); null before any comparison. */
  readonly compatibility: number | null;
}

export interface GatewayFigures {
  readonly routes: ReadonlyMap<string, RouteFigures>;
}

const REQUESTS = 'siphon_gateway_requests_total';
const LATENCY_BUCKET = 'siphon_gateway_request_duration_seconds_bucket';
const COMPATIBILITY = 'siphon_diff_compatibility_ratio';
const WANTED = new Set([REQUESTS, LATENCY_BUCKET, COMPATIBILITY]);

interface MutableSide { requests: number; failed: number; buckets: Map<number, number> }
const emptySide = (): MutableSide => ({ requests: 0, failed: 0, buckets: new Map() });

export function readGatewayFigures(text: string): GatewayFigures {
  const routes = new Map<string, { legacy: MutableSide; next: MutableSide; compatibility: number | null }>();
  const route = (id: string) => {
    let r = routes.get(id);
    if (!r) routes.set(id, (r = { legacy: emptySide(), next: emptySide(), compatibility: null }));
    return r;
  };
  const side = (s: Sample): Side | undefined => (s.labels.side === 'legacy' || s.labels.side === 'next' ? s.labels.side : undefined);
  for (const s of parsePromText(text, (n) => WANTED.has(n))) {
    const id = s.labels.route ?? '';
    switch (s.name) {
      case REQUESTS: {
        const sd = side(s);
        if (!sd) break;
        const f = route(id)[sd];
        f.requests += s.value;
        if (s.labels.status_class === '5xx' || s.labels.status_class === 'error') f.failed += s.value;
        break;
      }
      case LATENCY_BUCKET: {
        const sd = side(s);
        const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
        if (!sd || Number.isNaN(le)) break;
        const b = route(id)[sd].buckets;
        b.set(le, (b.get(le) ?? 0) + s.value);
        break;
      }
      case COMPATIBILITY:
        route(id).compatibility = s.value;
        break;
    }
  }
  return { routes };
}

function sumSides(sides: readonly SideFigures[]): SideFigures {
  const out = emptySide();
  for (const s of sides) {
    out.requests += s.requests;
    out.failed += s.failed;
    for (const [le, c] of s.buckets) out.buckets.set(le, (out.buckets.get(le) ?? 0) + c);
  }
  return out;
}

/** One side over every route (or the routes `filter` keeps). */
export function sideTotal(figures: GatewayFigures, side: Side, filter: (route: string) => boolean = () => true): SideFigures {
  return sumSides([...figures.routes].filter(([id]) => filter(id)).map(([, r]) => r[side]));
}

function deltaSide(now: SideFigures, before: SideFigures | undefined): SideFigures {
  if (!before) return now;
  const buckets = new Map<number, number>();
  for (const [le, c] of now.buckets) buckets.set(le, Math.max(0, c - (before.buckets.get(le) ?? 0)));
  // a counter that went down means the process restarted: the new reading is the interval
  const restarted = now.requests < before.requests;
  return restarted ? now : { requests: now.requests - before.requests, failed: Math.max(0, now.failed - before.failed), buckets };
}

/** The figures of the interval between two readings. */
export function deltaFigures(now: GatewayFigures, before: GatewayFigures | undefined): GatewayFigures {
  const routes = new Map<string, RouteFigures>();
  for (const [id, r] of now.routes) {
    const b = before?.routes.get(id);
    routes.set(id, { legacy: deltaSide(r.legacy, b?.legacy), next: deltaSide(r.next, b?.next), compatibility: r.compatibility });
  }
  return { routes };
}

export interface LatencySummary {
  readonly requests: number;
  readonly failed: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

const ms = (s: number | null) => (s === null ? null : Math.round(s * 100_000) / 100);

export function summarise(side: SideFigures): LatencySummary {
  return { requests: side.requests, failed: side.failed, p50Ms: ms(bucketQuantile(0.5, side.buckets)), p99Ms: ms(bucketQuantile(0.99, side.buckets)) };
}
