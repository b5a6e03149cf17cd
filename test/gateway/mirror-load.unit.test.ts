import { describe, expect, it } from 'vitest';
import { noopDiffSink } from '../../src/gateway/exchange.js';
import { GatewayMetrics } from '../../src/gateway/gateway-metrics.js';
import { UpstreamPool } from '../../src/gateway/http1/upstream-pool.js';
import { Mirror } from '../../src/gateway/mirror.js';
import { DEFAULT_MIRROR } from '../../src/gateway/settings.js';
import { metricsRegistry } from '../../src/observe/metrics.js';

async function skippedLoad(route: string): Promise<number> {
  const m = await metricsRegistry().getSingleMetric('siphon_gateway_mirror_copies_total')!.get();
  return m.values.find((v) => v.labels.route === route && v.labels.result === 'skipped_load')?.value ?? 0;
}

function mirror(maxLoad: number): Mirror {
  // the pools are never used: admit() decides before any copy is sent
  const pool = new UpstreamPool('http://127.0.0.1:9', {
    connections: 1, connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, idleMs: 1000, maxHeaderSize: 16384,
  });
  return new Mirror({ ...DEFAULT_MIRROR, maxLoad }, { legacy: pool, next: pool }, noopDiffSink, new GatewayMetrics());
}

const admitted = (m: Mirror, route: string, n: number) => Array.from({ length: n }, () => m.admit(route)).filter(Boolean).length;

describe('mirror load shedding (maxLoad)', () => {
  it('admits everything while the event loop is below the limit', () => {
    const m = mirror(0.75);
    m.observeLoad(0.5); m.observeLoad(0.75);
    expect(m.share).toBe(1);
    expect(admitted(m, 'calm', 100)).toBe(100);
    m.close();
  });

  it('halves the admitted share per overloaded window, spreads admissions evenly, counts the rest, recovers', async () => {
    const m = mirror(0.75);
    m.observeLoad(0.9);
    expect(m.share).toBe(0.5);
    // evenly spread: every other copy, not a burst then nothing
    expect(Array.from({ length: 6 }, () => m.admit('busy'))).toEqual([false, true, false, true, false, true]);
    m.observeLoad(0.95);
    expect(admitted(m, 'busy', 100)).toBe(25);
    for (let i = 0; i < 20; i++) m.observeLoad(1);
    expect(m.share).toBe(0.01); // a trickle of copies keeps the diff sampling
    expect(admitted(m, 'busy', 1000)).toBe(10);
    expect(await skippedLoad('busy')).toBe(3 + 75 + 990);
    for (let i = 0; i < 40 && m.share < 1; i++) m.observeLoad(0.3);
    expect(m.share).toBe(1);
    expect(admitted(m, 'busy', 50)).toBe(50);
    m.close();
  });

  it('also sheds when the load sample itself ran late (a process starved of CPU by its neighbours)', () => {
    const m = mirror(0.75);
    m.observeLoad(0.4, 3);
    expect(m.share).toBe(1);
    m.observeLoad(0.4, 50);
    expect(m.share).toBe(0.5);
    m.close();
  });

  it('never sheds with maxLoad 0 (the library default)', () => {
    const m = mirror(0);
    for (let i = 0; i < 10; i++) m.observeLoad(1, 100);
    expect(m.share).toBe(1);
    expect(admitted(m, 'off', 100)).toBe(100);
    m.close();
  });
});
