import { describe, expect, it } from 'vitest';
import { restartDelay } from '../../src/gateway/run.js';

// A worker that keeps dying must not be re-forked in a tight loop: the delay doubles per death within a minute.
describe('cluster worker restart delay', () => {
  it('doubles per recent death up to 10 s', () => {
    const deaths: number[] = [];
    const t0 = 1_000_000;
    const delays = Array.from({ length: 10 }, (_, i) => restartDelay(deaths, t0 + i * 1000));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  });

  it('forgets deaths older than a minute', () => {
    const deaths: number[] = [];
    restartDelay(deaths, 0);
    restartDelay(deaths, 1000);
    expect(restartDelay(deaths, 2000)).toBe(400);
    expect(restartDelay(deaths, 200_000)).toBe(100); // a crash long after the last ones starts over
    expect(deaths).toEqual([200_000]);
  });
});
