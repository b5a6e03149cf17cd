import type { Counter, Histogram } from 'prom-client';
import { counter, gauge, histogram } from '../observe/metrics.js';

/**
 * The gateway's Prometheus metrics. Label children are cached by key: `labels()` hashes its arguments on every call,
 * which is measurable at tens of thousands of requests per second.
 */
export type MirrorResult =
  | 'sent' | 'dropped_queue_full' | 'skipped_too_large' | 'skipped_method' | 'skipped_rate' | 'skipped_load' | 'failed' | 'timeout';
export type FallbackReason = 'error' | 'timeout' | 'status';

const CLASSES: readonly string[] = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

export class GatewayMetrics {
  readonly requests = counter({
    name: 'siphon_gateway_requests_total', help: 'User requests answered, by route, mode, answering side and status class',
    labelNames: ['route', 'mode', 'side', 'status_class'] as const,
  });
  readonly latency = histogram({
    name: 'siphon_gateway_upstream_duration_seconds',
    help: 'Time from receiving a user request to the end of the answer, by answering side and route',
    labelNames: ['side', 'route'] as const,
  });
  readonly mirror = counter({
    name: 'siphon_gateway_mirror_total', help: 'Mirror copies by outcome (sent, dropped, skipped, failed)',
    labelNames: ['route', 'result'] as const,
  });
  readonly mirrorLatency = histogram({
    name: 'siphon_gateway_mirror_duration_seconds', help: 'Duration of mirror copies by target side',
    labelNames: ['side'] as const,
  });
  readonly fallbacks = counter({
    name: 'siphon_gateway_fallbacks_total', help: 'Next-routed requests answered by legacy, by route and reason',
    labelNames: ['route', 'reason'] as const,
  });
  readonly exchanges = counter({
    name: 'siphon_gateway_diff_exchanges_total', help: 'Captured exchanges handed to the diff sink, by route',
    labelNames: ['route'] as const,
  });
  readonly rejected = counter({
    name: 'siphon_gateway_rejected_total', help: 'Requests refused by the gateway itself, by reason',
    labelNames: ['reason'] as const,
  });
  readonly inFlight = gauge({ name: 'siphon_gateway_in_flight', help: 'User requests being answered' });
  readonly routeVersion = gauge({ name: 'siphon_gateway_route_table_version', help: 'Route table version in use' });

  readonly #counters = new Map<string, Counter.Internal>();
  readonly #requestChildren = new Map<string, Counter.Internal>();
  readonly #histograms = new Map<string, Histogram.Internal<string>>();

  #c(metric: Counter<string>, name: string, ...values: string[]): Counter.Internal {
    const key = name + '\0' + values.join('\0');
    let child = this.#counters.get(key);
    if (!child) { child = metric.labels(...values); this.#counters.set(key, child); }
    return child;
  }

  request(route: string, mode: string, side: string, status: number, seconds: number): void {
    const cls = status === 0 ? 'error' : CLASSES[Math.floor(status / 100)] ?? 'other';
    const rkey = route + '\0' + mode + '\0' + side + '\0' + cls;
    let c = this.#requestChildren.get(rkey);
    if (!c) { c = this.requests.labels(route, mode, side, cls); this.#requestChildren.set(rkey, c); }
    c.inc();
    const key = side + '\0' + route;
    let h = this.#histograms.get(key);
    if (!h) { h = this.latency.labels(side, route); this.#histograms.set(key, h); }
    h.observe(seconds);
  }

  mirrored(route: string, result: MirrorResult): void { this.#c(this.mirror, 'm', route, result).inc(); }
  mirrorTook(side: string, seconds: number): void {
    const key = 'mirror\0' + side;
    let h = this.#histograms.get(key);
    if (!h) { h = this.mirrorLatency.labels(side); this.#histograms.set(key, h); }
    h.observe(seconds);
  }
  fellBack(route: string, reason: FallbackReason): void { this.#c(this.fallbacks, 'f', route, reason).inc(); }
  exchanged(route: string): void { this.#c(this.exchanges, 'x', route).inc(); }
  refused(reason: 'body_too_large' | 'shutting_down' | 'headers_too_large' | 'bad_request' | 'timeout' | 'upgrade'): void {
    this.#c(this.rejected, 'j', reason).inc();
  }
  /** Protocol-level refusals by the HTTP/1.1 server (llhttp codes folded into a few labels). */
  clientError(code: string): void {
    this.refused(code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : code === 'timeout' ? 'timeout'
      : code === 'upgrade' ? 'upgrade' : 'bad_request');
  }
}
