import type { Metric } from 'prom-client';
import { LATENCY_BUCKETS, metricsRegistry, type MetricSpec } from './metrics.js';

/**
 * Counters, gauges and histograms for per-request hot paths. prom-client's own `inc`/`observe` hash the label set and
 * allocate a value object on every call, even through a `labels()` child (measured: 5–6% of the gateway's CPU per
 * request). Here a series is a plain object the caller looks up once and bumps with no hashing and no allocation;
 * the registry reads the series at scrape time. They register in the shared registry under the prom-client metric
 * shape (`get()` → name, help, type, values, aggregator), so `/metrics`, the cluster aggregation and tests that read
 * `getSingleMetric(name).get()` see them like any other metric.
 */
type Labels = Record<string, string | number>;
interface Exported { value: number; labels: Labels; metricName?: string }
interface MetricData { name: string; help: string; type: string; values: Exported[]; aggregator: 'sum' }

/** One labelled counter series: add to `value`. */
export interface CounterSeries { value: number }

/** One labelled histogram series. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) { this.counts = new Array<number>(bounds.length + 1).fill(0); }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  reset(): void { this.counts.fill(0); this.sum = 0; this.count = 0; }
}

abstract class LiveMetric<S> {
  readonly aggregator = 'sum' as const;
  readonly #series = new Map<string, { labels: Labels; series: S }>();

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {}

  /** The series for these label values (in `labelNames` order), created on first use: keep it for the hot path. */
  series(...values: string[]): S {
    const key = values.length === 1 ? values[0]! : values.join('\0');
    let entry = this.#series.get(key);
    if (!entry) {
      if (values.length !== this.labelNames.length) {
        throw new TypeError(`metric ${this.name} takes ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`);
      }
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => { labels[n] = values[i]!; });
      entry = { labels, series: this.create() };
      this.#series.set(key, entry);
    }
    return entry.series;
  }

  protected abstract create(): S;
  protected abstract export(labels: Labels, series: S, out: Exported[]): void;
  protected abstract zero(series: S): void;
  abstract readonly type: string;

  get(): Promise<MetricData> {
    const values: Exported[] = [];
    for (const { labels, series } of this.#series.values()) this.export(labels, series, values);
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** Zeroes every series in place: callers keep their series objects across a registry reset. */
  reset(): void { for (const { series } of this.#series.values()) this.zero(series); }
}

export class LiveCounter extends LiveMetric<CounterSeries> {
  readonly type = 'counter';
  protected create(): CounterSeries { return { value: 0 }; }
  protected export(labels: Labels, s: CounterSeries, out: Exported[]): void { out.push({ value: s.value, labels }); }
  protected zero(s: CounterSeries): void { s.value = 0; }
}

/** A gauge whose only series is `value` (no labels): set or bump it directly. */
export class LiveGauge extends LiveMetric<CounterSeries> {
  readonly type = 'gauge';
  readonly #only: CounterSeries;
  constructor(name: string, help: string) { super(name, help, []); this.#only = this.series(); }
  get value(): number { return this.#only.value; }
  set value(v: number) { this.#only.value = v; }
  protected create(): CounterSeries { return { value: 0 }; }
  protected export(labels: Labels, s: CounterSeries, out: Exported[]): void { out.push({ value: s.value, labels }); }
  protected zero(s: CounterSeries): void { s.value = 0; }
}

export class LiveHistogram extends LiveMetric<HistogramSeries> {
  readonly type = 'histogram';
  constructor(name: string, help: string, labelNames: readonly string[], readonly bounds: readonly number[]) {
    super(name, help, labelNames);
  }
  protected create(): HistogramSeries { return new HistogramSeries(this.bounds); }
  protected zero(s: HistogramSeries): void { s.reset(); }
  protected export(labels: Labels, s: HistogramSeries, out: Exported[]): void {
    const bucket = `${this.name}_bucket`;
    let acc = 0;
    this.bounds.forEach((le, i) => { acc += s.counts[i]!; out.push({ value: acc, labels: { ...labels, le }, metricName: bucket }); });
    out.push({ value: s.count, labels: { ...labels, le: '+Inf' }, metricName: bucket });
    out.push({ value: s.sum, labels, metricName: `${this.name}_sum` });
    out.push({ value: s.count, labels, metricName: `${this.name}_count` });
  }
}

/** Registers `make()` unless a live metric of that name and kind is already registered (several gateways per process, tests). */
function shared<T extends LiveMetric<unknown>>(name: string, kind: abstract new (...a: never[]) => T, make: () => T): T {
  const registry = metricsRegistry();
  const found = registry.getSingleMetric(name) as unknown;
  if (found instanceof kind) return found;
  if (found) throw new TypeError(`metric ${name} is already registered as another kind of metric`);
  const metric = make();
  registry.registerMetric(metric as unknown as Metric);
  return metric;
}

export function liveCounter<L extends string>(spec: MetricSpec<L>): LiveCounter {
  return shared(spec.name, LiveCounter, () => new LiveCounter(spec.name, spec.help, spec.labelNames ?? []));
}

export function liveGauge(spec: MetricSpec<never>): LiveGauge {
  return shared(spec.name, LiveGauge, () => new LiveGauge(spec.name, spec.help));
}

export function liveHistogram<L extends string>(spec: MetricSpec<L> & { buckets?: number[] }): LiveHistogram {
  return shared(spec.name, LiveHistogram,
    () => new LiveHistogram(spec.name, spec.help, spec.labelNames ?? [], spec.buckets ?? LATENCY_BUCKETS));
}
