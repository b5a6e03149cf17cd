import { describe, expect, it } from 'vitest';
import { DiffSink } from '../../src/gateway/diff/diff-sink.js';
import type { CapturedResponse, Exchange } from '../../src/gateway/exchange.js';
import { renderMetrics, resetMetrics } from '../../src/observe/metrics.js';

function resp(body: unknown): CapturedResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), truncated: false, durationMs: 1 };
}

let clock = Date.UTC(2026, 11, 1);
/**
 * 30 exchanges on one route: every answer carries a fresh timestamp (legacy differs from itself there too: noise),
 * and on every 3rd request next's price differs (a real difference, legacy agrees with itself on it).
 */
function stream(): Exchange[] {
  return Array.from({ length: 30 }, (_, i) => {
    const body = (price: number) => ({ id: i, price, at: new Date(clock++).toISOString() });
    return {
      routeId: 'orders', endpoint: 'GET /orders/:id', request: { method: 'GET', url: `/orders/${i}`, headers: {} },
      legacy: resp(body(10)), next: resp(body(i % 3 === 2 ? 11 : 10)), legacy2: resp(body(10)),
      traceId: i.toString(16).padStart(32, '0'), at: clock,
    };
  });
}

const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
};

describe('the compared-exchanges metric', () => {
  it('counts exchanges with a real difference after noise cancellation apart from raw ones', async () => {
    resetMetrics();
    const sink = new DiffSink({ queueSize: 100 });
    for (const ex of stream()) sink.accept(ex);
    await sink.flush();
    const text = (await renderMetrics()).body;
    // raw: every exchange differs (the timestamp); real: only the 10 with another price
    expect(value(text, 'siphon_diff_exchanges_total{route="orders",outcome="different"}')).toBe(30);
    expect(value(text, 'siphon_diff_real_differences_total{route="orders"}')).toBe(10);
    // and the report agrees: 20 of 30 compatible
    expect(sink.report().endpoints[0]).toMatchObject({ compared: 30, compatible: 20 });
    await sink.close();
  });
});
