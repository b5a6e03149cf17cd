import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deltaFigures, readGatewayFigures, sideTotal, summarise } from '../../src/dashboard/gateway-figures.js';
import { bucketQuantile, parsePromText } from '../../src/dashboard/prom-text.js';

const TEXT = `# HELP siphon_gateway_requests_total User requests
# TYPE siphon_gateway_requests_total counter
siphon_gateway_requests_total{route="orders",mode="canary",side="legacy",status_class="2xx"} 90
siphon_gateway_requests_total{route="orders",mode="canary",side="next",status_class="2xx"} 8
siphon_gateway_requests_total{route="orders",mode="canary",side="next",status_class="5xx"} 2
siphon_gateway_requests_total{route="orders",mode="canary",side="legacy",status_class="error"} 1
siphon_gateway_request_duration_seconds_bucket{side="legacy",route="orders",le="0.01"} 50
siphon_gateway_request_duration_seconds_bucket{side="legacy",route="orders",le="0.1"} 91
siphon_gateway_request_duration_seconds_bucket{side="legacy",route="orders",le="+Inf"} 91
siphon_gateway_request_duration_seconds_bucket{side="next",route="orders",le="0.01"} 10
siphon_gateway_request_duration_seconds_bucket{side="next",route="orders",le="0.1"} 10
siphon_gateway_request_duration_seconds_bucket{side="next",route="orders",le="+Inf"} 10
siphon_diff_compatibility_ratio{route="orders"} 0.97
siphon_other_metric{route="x\\"y"} 5
`;

describe('dashboard figures from Prometheus text', () => {
  it('reads requests, failures, buckets and compatibility per route and side', () => {
    const f = readGatewayFigures(TEXT);
    const r = f.routes.get('orders')!;
    expect(r.legacy.requests).toBe(91);
    expect(r.legacy.failed).toBe(1);
    expect(r.next.requests).toBe(10);
    expect(r.next.failed).toBe(2);
    expect(r.compatibility).toBe(0.97);
    const legacy = summarise(sideTotal(f, 'legacy'));
    expect(legacy.p50Ms).toBeLessThanOrEqual(10);
    expect(legacy.p99Ms).toBeGreaterThan(10);
    expect(legacy.p99Ms).toBeLessThanOrEqual(100);
  });

  it('keeps escaped label values and skips comments and malformed lines', () => {
    const s = parsePromText(`${TEXT}\nnot a metric line at all\n`, (n) => n === 'siphon_other_metric');
    expect(s).toEqual([{ name: 'siphon_other_metric', labels: { route: 'x"y' }, value: 5 }]);
  });

  it('an interval is the difference of two readings, and a restarted process starts a new one', () => {
    const before = readGatewayFigures(TEXT);
    const after = readGatewayFigures(TEXT.replace('status_class="2xx"} 90', 'status_class="2xx"} 190'));
    expect(sideTotal(deltaFigures(after, before), 'legacy').requests).toBe(100);
    expect(sideTotal(deltaFigures(before, after), 'legacy').requests).toBe(91);
  });

  it('a quantile of cumulative buckets lies within the bucket holding its rank (property)', () => {
    fc.assert(fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 12 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (counts, q) => {
      const bounds = counts.map((_, i) => (i + 1) * 0.01);
      const buckets = new Map<number, number>();
      let cum = 0;
      counts.forEach((c, i) => { cum += c; buckets.set(bounds[i]!, cum); });
      buckets.set(Infinity, cum);
      const v = bucketQuantile(q, buckets);
      if (cum === 0) return v === null;
      const rank = q * cum;
      let i = 0;
      let c = 0;
      while (i < counts.length && c + counts[i]! < rank) { c += counts[i]!; i++; }
      const lo = i === 0 ? 0 : bounds[i - 1]!;
      const hi = bounds[Math.min(i, bounds.length - 1)]!;
      return v !== null && v >= lo - 1e-9 && v <= hi + 1e-9;
    }));
  });
});
