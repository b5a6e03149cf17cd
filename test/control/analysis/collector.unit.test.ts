import { describe, expect, it } from 'vitest';
import { statsDelta } from '../../../src/control/analysis/collector.js';
import { STATS_BOUNDS } from '../../../src/control/analysis/figures.js';

const hist = (at: number, n: number) => Array.from({ length: STATS_BOUNDS.length + 1 }, (_, i) => (i === at ? n : 0));
function snap(o: { legacy?: [number, number]; next?: [number, number]; fallbacks?: number; compared?: number; real?: number; lat?: number }) {
  return {
    requests: new Map<string, [number, number]>([['r\0legacy', o.legacy ?? [0, 0]], ['r\0next', o.next ?? [0, 0]]]),
    latency: new Map<string, number[]>([['r\0next', hist(3, o.lat ?? 0)]]),
    fallbacks: new Map([['r', o.fallbacks ?? 0]]),
    diff: new Map<string, [number, number]>([['r', [o.compared ?? 0, o.real ?? 0]]]),
  };
}

describe('route stats deltas', () => {
  it('reports what moved since the last flush, with fallbacks counted as next requests that failed', () => {
    const prev = snap({ legacy: [100, 0], next: [10, 1], fallbacks: 2, compared: 50, real: 1, lat: 10 });
    const cur = snap({ legacy: [130, 0], next: [15, 1], fallbacks: 7, compared: 80, real: 4, lat: 15 });
    const [row] = statsDelta(prev, cur, 1000, 250, 'p');
    // 30 answered by legacy, of which 5 were next-routed requests next failed (fallbacks)
    expect(row).toMatchObject({ route: 'r', bucketStart: 1000, legacy: { requests: 25, errors: 0 }, next: { requests: 10, errors: 5 },
      fallbacks: 5, compared: 30, realDiffs: 3 });
    expect(row!.next.latency[3]).toBe(5);
  });

  it('writes nothing for a route that did not move, and never negative figures', () => {
    const s = snap({ legacy: [5, 0], compared: 9, real: 3 });
    expect(statsDelta(s, s, 0, 250, 'p')).toEqual([]);
    // a field judged real earlier may be judged noise now: the real count shrinks, the delta stays at 0
    const [row] = statsDelta(snap({ compared: 9, real: 3 }), snap({ compared: 12, real: 1 }), 0, 250, 'p');
    expect(row).toMatchObject({ compared: 3, realDiffs: 0 });
  });
});
