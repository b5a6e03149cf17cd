import { gauge } from '../observe/metrics.js';
import {
  liveCounter, liveGauge, liveHistogram, type CounterSeries, type HistogramSeries, type LiveCounter,
} from '../observe/live-metrics.js';

/**
 * The gateway's Prometheus metrics. The per-request ones are live metrics (observe/live-metrics.ts): a series is
 * looked up by key once per request and bumped in place, and the registry reads them at scrape time.
 */
export type MirrorResult =
  | 'sent' | 'dropped_queue_full' | 'skipped_too_large' | 'skipped_method' | 'skipped_rate' | 'skipped_load' | 'failed' | 'timeout';
export type FallbackReason = 'error' | 'timeout' | 'status';

const CLASSES: readonly string[] = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

export class GatewayMetrics {
  readonly requests = liveCounter({
    name: 'siphon_gateway_requests_total', help: 'User requests answered, by route, mode, answering side and status class',
    labelNames: ['route', 'mode', 'side', 'status_class'] as const,
  });
  readonly latency = liveHistogram({
    name: 'siphon_gateway_upstream_duration_seconds',
    help: 'Time from receiving a user request to the end of the answer, by answering side and route',
    labelNames: ['side', 'route'] as const,
  });
  readonly mirror = liveCounter({
    name: 'siphon_gateway_mirror_total', help: 'Mirror copies by outcome (sent, dropped, skipped, failed)',
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
    name: 'siphon_gateway_rejected_total', help: 'Requests refused by the gateway itself, by reason',
    labelNames: ['reason'] as const,
  });
  /** User requests being answered (all gateways of the process): bumped in place, read at scrape time. */
  readonly inFlight = liveGauge({ name: 'siphon_gateway_in_flight', help: 'User requests being answered' });
  readonly routeVersion = gauge({ name: 'siphon_gateway_route_table_version', help: 'Route table version in use' });

  /** Series by a key of their label values: one Map lookup per bump instead of a lookup in the metric plus its own key. */
  readonly #counters = new Map<string, CounterSeries>();
  readonly #histograms = new Map<string, HistogramSeries>();

  #c(metric: LiveCounter, name: string, a: string, b?: string): CounterSeries {
    const key = b === undefined ? name + '\0' + a : name + '\0' + a + '\0' + b;
    let series = this.#counters.get(key);
    if (!series) { series = b === undefined ? metric.series(a) : metric.series(a, b); this.#counters.set(key, series); }
    return series;
  }

  request(route: string, mode: string, side: string, status: number, seconds: number): void {
    const cls = status === 0 ? 'error' : CLASSES[Math.floor(status / 100)] ?? 'other';
    const rkey = route + '\0' + mode + '\0' + side + '\0' + cls;
    let c = this.#counters.get(rkey);
    if (!c) { c = this.requests.series(route, mode, side, cls); this.#counters.set(rkey, c); }
    c.value++;
    const key = side + '\0' + route;
    let h = this.#histograms.get(key);
    if (!h) { h = this.latency.series(side, route); this.#histograms.set(key, h); }
    h.observe(seconds);
  }

  mirrored(route: string, result: MirrorResult): void { this.#c(this.mirror, 'm', route, result).value++; }
  mirrorTook(side: string, seconds: number): void {
    const key = 'mirror\0' + side;
    let h = this.#histograms.get(key);
    if (!h) { h = this.mirrorLatency.series(side); this.#histograms.set(key, h); }
    h.observe(seconds);
  }
  fellBack(route: string, reason: FallbackReason): void { this.#c(this.fallbacks, 'f', route, reason).value++; }
  exchanged(route: string): void { this.#c(this.exchanges, 'x', route).value++; }
  refused(reason: 'body_too_large' | 'shutting_down' | 'headers_too_large' | 'bad_request' | 'timeout' | 'upgrade'): void {
    this.#c(this.rejected, 'j', reason).value++;
  }
  /** Protocol-level refusals by the HTTP/1.1 server (llhttp codes folded into a few labels). */
  clientError(code: string): void {
    this.refused(code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : code === 'timeout' ? 'timeout'
      : code === 'upgrade' ? 'upgrade' : 'bad_request');
  }
}
