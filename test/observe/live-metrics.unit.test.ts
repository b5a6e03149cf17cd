import fc from 'fast-check';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveCounter, liveGauge, liveHistogram } from '../../src/observe/live-metrics.js';
import { metricsRegistry, resetMetrics } from '../../src/observe/metrics.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];

describe('live metrics', () => {
  beforeEach(() => { resetMetrics(); });

  it('exposes histogram series exactly as prom-client would for the same observations', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ side: fc.constantFrom('legacy', 'next'), v: fc.oneof(fc.constantFrom(...BOUNDS), fc.double({ min: 0, max: 5, noNaN: true })) }), { maxLength: 60 }),
      async (obs) => {
        resetMetrics();
        const live = liveHistogram({ name: 'siphon_test_seconds', help: 'h', labelNames: ['side'], buckets: BOUNDS });
        const theirs = new Histogram({ name: 'siphon_test_seconds', help: 'h', labelNames: ['side'], buckets: BOUNDS, registers: [new Registry()] });
        for (const { side, v } of obs) { live.series(side).observe(v); theirs.observe({ side }, v); }
        const norm = (values: { value: number; labels: object; metricName?: string }[]) =>
          values.map((x) => `${x.metricName} ${JSON.stringify(Object.entries(x.labels).map(([k, v]) => [k, String(v)]).sort())} ${x.value.toFixed(9)}`).sort();
        expect(norm((await live.get()).values)).toEqual(norm((await theirs.get()).values));
      }), { numRuns: 60 });
  });

  it('counts through kept series, renders in /metrics text, and survives a registry reset in place', async () => {
    const c = liveCounter({ name: 'siphon_test_total', help: 'c', labelNames: ['route', 'result'] });
    const sent = c.series('r1', 'sent');
    sent.value += 3;
    c.series('r1', 'dropped').value++;
    expect(c.series('r1', 'sent')).toBe(sent);
    const g = liveGauge({ name: 'siphon_test_in_flight', help: 'g' });
    g.value++; g.value++; g.value--;
    const text = await metricsRegistry().metrics();
    expect(text).toContain('siphon_test_total{route="r1",result="sent"} 3');
    expect(text).toContain('siphon_test_total{route="r1",result="dropped"} 1');
    expect(text).toContain('# TYPE siphon_test_in_flight gauge');
    expect(text).toContain('siphon_test_in_flight 1');
    metricsRegistry().resetMetrics();
    sent.value++;
    expect(await metricsRegistry().metrics()).toContain('siphon_test_total{route="r1",result="sent"} 1');
  });

  it('is shared by name within a registry, and refuses a clash with another kind or a wrong label count', () => {
    const a = liveCounter({ name: 'siphon_test_total', help: 'c', labelNames: ['route'] });
    expect(liveCounter({ name: 'siphon_test_total', help: 'c', labelNames: ['route'] })).toBe(a);
    expect(() => liveHistogram({ name: 'siphon_test_total', help: 'x' })).toThrow(/already registered as another kind/);
    expect(() => a.series('r', 'extra')).toThrow(/takes 1 label values \(route\), got 2/);
  });

  it('sums across cluster workers like prom-client metrics', async () => {
    const worker = async (n: number) => {
      resetMetrics();
      liveCounter({ name: 'siphon_test_total', help: 'c', labelNames: ['route'] }).series('r').value = n;
      liveHistogram({ name: 'siphon_test_seconds', help: 'h', labelNames: [], buckets: BOUNDS }).series().observe(n / 100);
      return metricsRegistry().getMetricsAsJSON();
    };
    const merged = AggregatorRegistry.aggregate([await worker(2), await worker(5)]);
    const text = await merged.metrics();
    expect(text).toContain('siphon_test_total{route="r"} 7');
    expect(text).toContain('siphon_test_seconds_count 2');
    expect(text).toContain('siphon_test_seconds_bucket{le="0.1"} 2');
    expect(text).toContain('siphon_test_seconds_bucket{le="0.01"} 0');
  });
});
