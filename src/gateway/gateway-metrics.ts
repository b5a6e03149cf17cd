import { gauge } from '../observe/metrics.js';
import { liveCounter, liveGauge, liveHistogram, type CounterSeries, type HistogramSeries } from '../observe/live-metrics.js';

/**
 * The gateway's Prometheus metrics. The per-request ones are live metrics (observe/live-metrics.ts): each bump finds
 * its series by one key and adds to it in place; the registry reads them at scrape time.
 */
export type MirrorResult =
  | 'sent' | 'dropped_queue_full' | 'skipped_too_large' | 'skipped_method' | 'skipped_rate' | 'skipped_load' | 'failed' | 'timeout';
export type FallbackReason = 'error' | 'timeout' | 'status';

export type RefusalReason = 'body_too_large' | 'shutting_down' | 'headers_too_large' | 'bad_request' | 'timeout'
  | 'upgrade' | 'body_timeout' | 'send_timeout' | 'bad_version' | 'connection_limit';

/** Status class labels by index: floor(status / 100) for 1–599, then `error` (status 0: no answer) and `other`. */
const CLASSES: readonly string[] = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', 'error', 'other'];

/** The series one (route, mode, side) bumps: its latency histogram and its counters by status class index. */
interface SideSeries { readonly latency: HistogramSeries; readonly counts: (CounterSeries | undefined)[] }

export class GatewayMetrics {
  readonly requests = liveCounter({
    name: 'siphon_gateway_requests_total', help: 'User requests answered, by route, mode, answering side and status class',
    labelNames: ['route', 'mode', 'side', 'status_class'] as const,
  });
  readonly latency = liveHistogram({
    name: 'siphon_gateway_request_duration_seconds',
    help: 'Time from receiving a user request to the end of the answer, by answering side and route',
    labelNames: ['side', 'route'] as const,
  });
  readonly mirror = liveCounter({
    name: 'siphon_gateway_mirror_copies_total', help: 'Mirror copies by outcome (sent, dropped, skipped, failed)',
    labelNames: ['route', 'result'] as const,
  });
  readonly mirrorLatency = liveHistogram({
    name: 'siphon_gateway_mirror_duration_seconds', help: 'Duration of mirror copies by target side',
    labelNames: ['side'] as const,
  });
  readonly fallbacks = liveCounter({
    name: 'siphon_gateway_fallbacks_total', help: 'Next-routed requests answered by legacy, by route and reason',
    labelNames: ['route', 'reason'] as const,
  });
  readonly exchanges = liveCounter({
    name: 'siphon_gateway_diff_exchanges_total', help: 'Captured exchanges handed to the diff sink, by route',
    labelNames: ['route'] as const,
  });
  readonly rejected = liveCounter({
    name: 'siphon_gateway_requests_rejected_total', help: 'Requests refused by the gateway itself, by reason',
    labelNames: ['reason'] as const,
  });
  /** User requests being answered (all gateways of the process): bumped in place, read at scrape time. */
  readonly inFlight = liveGauge({ name: 'siphon_gateway_requests_in_flight', help: 'User requests being answered' });
  readonly routeVersion = gauge({ name: 'siphon_gateway_route_table_version', help: 'Route table version in use' });

  /**
   * route → mode → side → series. The live metrics' own lookup joins the label values into a new key string, which
   * V8 must hash on every request; these keys are the route table's and the code's own strings, hashed once.
   */
  readonly #bySide = new Map<string, Map<string, Map<string, SideSeries>>>();

  // Each call finds its series in the metric's own map (one key, one lookup) and bumps it in place.
  request(route: string, mode: string, side: string, status: number, seconds: number): void {
    let byMode = this.#bySide.get(route);
    if (byMode === undefined) this.#bySide.set(route, byMode = new Map());
    let bySideName = byMode.get(mode);
    if (bySideName === undefined) byMode.set(mode, bySideName = new Map());
    let s = bySideName.get(side);
    if (s === undefined) bySideName.set(side, s = { latency: this.latency.series(side, route), counts: [] });
    const c = Math.floor(status / 100);
    const i = status === 0 ? 6 : c < 6 ? c : 7;
    (s.counts[i] ??= this.requests.series(route, mode, side, CLASSES[i]!)).value++;
    s.latency.observe(seconds);
  }

  mirrored(route: string, result: MirrorResult): void { this.mirror.series(route, result).value++; }
  mirrorTook(side: string, seconds: number): void { this.mirrorLatency.series(side).observe(seconds); }
  fellBack(route: string, reason: FallbackReason): void { this.fallbacks.series(route, reason).value++; }
  exchanged(route: string): void { this.exchanges.series(route).value++; }
  refused(reason: RefusalReason): void {
    this.rejected.series(reason).value++;
  }
  /** Protocol-level refusals by the HTTP/1.1 server (llhttp codes folded into a few labels). */
  clientError(code: string): void {
    this.refused(code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : code === 'timeout' ? 'timeout'
      : code === 'upgrade' ? 'upgrade' : code === 'body_timeout' ? 'body_timeout' : code === 'send_timeout' ? 'send_timeout'
        : code === 'bad_version' ? 'bad_version' : 'bad_request');
  }
}
