import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/backends/types.js';
import { readBackfillPause, setBackfillPause, type SettingsStore } from '../../src/backfill/pause.js';
import { Throttle } from '../../src/backfill/throttle.js';
import type { OperatorPause, PauseReason } from '../../src/backfill/types.js';
import type { JsonValue } from '../../src/state/types.js';

/** A fake clock: sleeping moves it, so the throttle's decisions are exact and no test waits on real time. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => { t += ms; }, advance: (ms: number) => { t += ms; } };
}

function legacy(latency: () => number, c: ReturnType<typeof clock>): Database {
  return { query: async () => { c.advance(latency()); return []; } } as unknown as Database;
}

/** Admit once and give the reasons seen while waiting (each check's reason, deduplicated in order). */
async function admitSeeing(t: Throttle, c: ReturnType<typeof clock>, maxMs = 60_000): Promise<{ admitted: boolean; reasons: PauseReason['kind'][] }> {
  const reasons: PauseReason['kind'][] = [];
  const start = c.now();
  const admitted = await t.admit(() => {
    const r = t.reason();
    if (r && reasons[reasons.length - 1] !== r.kind) reasons.push(r.kind);
    return c.now() - start > maxMs;
  });
  return { admitted, reasons };
}

describe('Throttle', () => {
  it('holds chunks while the operator pause is set, with its reason visible, and lets them go on resume', async () => {
    const c = clock();
    let pause: OperatorPause = { paused: true, reason: 'month-end close', at: '2026-01-01T00:00:00.000Z' };
    const t = new Throttle({ heartbeatMaxMs: 0, checkIntervalMs: 100 }, { legacy: legacy(() => 0, c), lagSeconds: () => 0, readPause: async () => pause, now: c.now, sleep: async (ms) => { c.advance(ms); if (c.now() > 1000) pause = { ...pause, paused: false }; } });
    const r = await admitSeeing(t, c);
    expect(r).toEqual({ admitted: true, reasons: ['operator'] });
    expect(t.reason()).toBeNull();
  });

  it('holds chunks while the heartbeat is slower than its bound', async () => {
    const c = clock();
    let slow = 3;
    const t = new Throttle({ heartbeatMaxMs: 200, checkIntervalMs: 100 }, { legacy: legacy(() => (slow-- > 0 ? 900 : 5), c), lagSeconds: () => null, readPause: null, now: c.now, sleep: c.sleep });
    expect(await admitSeeing(t, c)).toEqual({ admitted: true, reasons: ['heartbeat-latency'] });
    expect(slow).toBeLessThan(0);
  });

  it('under lag above the bound still lets one chunk through every minChunkIntervalMs (copy progress guaranteed)', async () => {
    const c = clock();
    const t = new Throttle({ heartbeatMaxMs: 0, maxLagSeconds: 5, minChunkIntervalMs: 2000, checkIntervalMs: 100 }, { legacy: legacy(() => 0, c), lagSeconds: () => 60, readPause: null, now: c.now, sleep: c.sleep });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) { expect((await admitSeeing(t, c)).admitted).toBe(true); times.push(c.now()); }
    const gaps = times.slice(1).map((x, i) => x - times[i]!);
    expect(gaps.every((g) => g >= 2000 && g <= 2100)).toBe(true);
    // strict mode (0) waits as long as the lag lasts
    const strict = new Throttle({ heartbeatMaxMs: 0, maxLagSeconds: 5, minChunkIntervalMs: 0, checkIntervalMs: 100 }, { legacy: legacy(() => 0, c), lagSeconds: () => 60, readPause: null, now: c.now, sleep: c.sleep });
    expect(await admitSeeing(strict, c, 10_000)).toEqual({ admitted: false, reasons: ['capture-lag'] });
  });

  it('caps rows per second', async () => {
    const c = clock();
    const t = new Throttle({ heartbeatMaxMs: 0, maxLagSeconds: 0, maxRowsPerSecond: 1000, checkIntervalMs: 10 }, { legacy: legacy(() => 0, c), lagSeconds: () => null, readPause: null, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 20; i++) { await t.admit(() => false); t.account(500); }
    // 10,000 rows at 1,000/s: the bucket starts with one second of rows and the last chunk is read on credit
    expect(c.now()).toBeGreaterThanOrEqual(8500);
    expect(c.now()).toBeLessThan(10_500);
  });
});

describe('operator pause setting', () => {
  it('round-trips through a settings store and reads as not paused when never set', async () => {
    const m = new Map<string, JsonValue>();
    const store: SettingsStore = { getSetting: async (k) => m.get(k), setSetting: async (k, v) => { m.set(k, v); } };
    expect((await readBackfillPause(store)).paused).toBe(false);
    await setBackfillPause(store, true, 'DBA asked', new Date('2026-02-03T04:05:06Z'));
    expect(await readBackfillPause(store)).toEqual({ paused: true, reason: 'DBA asked', at: '2026-02-03T04:05:06.000Z' });
    await setBackfillPause(store, false);
    expect((await readBackfillPause(store)).paused).toBe(false);
  });
});
