import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Shared Prometheus registry helper. Every area registers its metrics through these functions so that a process has
 * one registry (served on the admin port at /metrics) and re-registering the same name (tests, hot reload) returns
 * the existing metric instead of throwing.
 *
 * Names must be `siphon_*` snake case; label names must be stable and low-cardinality (route ids, modes, sides,
 * status classes — never user ids or raw URLs).
 */
let registry = new Registry();
let defaultsOn = false;

export function metricsRegistry(): Registry {
  return registry;
}

/**
 * Process metrics (CPU, memory, event loop lag). Call once per process that serves /metrics. prom-client's names
 * already start with `process_` / `nodejs_`: the prefix is `siphon_` alone, giving `siphon_process_cpu_seconds_total`
 * and `siphon_nodejs_eventloop_lag_seconds` (a `siphon_process_` prefix doubled it: `siphon_process_process_…`).
 */
export const DEFAULT_METRICS_PREFIX = 'siphon_';

export function enableDefaultMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX });
}

/** A fresh registry (tests). Metrics created before stay in the old one. */
export function resetMetrics(): Registry {
  registry = new Registry();
  defaultsOn = false;
  return registry;
}

export interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

function existing<T>(name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function counter<L extends string = string>(spec: MetricSpec<L>): Counter<L> {
  return existing<Counter<L>>(spec.name) ??
    new Counter<L>({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [registry] });
}

export function gauge<L extends string = string>(spec: MetricSpec<L>): Gauge<L> {
  return existing<Gauge<L>>(spec.name) ??
    new Gauge<L>({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [registry] });
}

/** Latency buckets in seconds, tuned for proxy hops (0.25 ms … 10 s). */
export const LATENCY_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export function histogram<L extends string = string>(spec: MetricSpec<L> & { buckets?: number[] }): Histogram<L> {
  return existing<Histogram<L>>(spec.name) ?? new Histogram<L>({
    name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], buckets: spec.buckets ?? LATENCY_BUCKETS,
    registers: [registry],
  });
}

/** Text exposition for /metrics, with its content type. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
