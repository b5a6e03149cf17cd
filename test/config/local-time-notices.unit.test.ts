import { describe, expect, it } from 'vitest';
import { toInstant } from '../../src/config/cleaning/to-instant.js';
import type { CleanNotice } from '../../src/config/types.js';
import { metricsRegistry } from '../../src/observe/metrics.js';
import { localTimestamp, resolveLocalTime } from '../../src/values/construct.js';

// Finding 12 of issue 11: toInstant took the earlier instant of an ambiguous local time silently. It still does (as
// PostgreSQL does), but each such value is now reported to the caller and counted in a metric.
describe('ambiguous and nonexistent local times', () => {
  it('resolveLocalTime says which rule it applied (Europe/Paris, 2024)', () => {
    // 27 Oct 2024: 03:00 CEST → 02:00 CET, so 02:30 happens twice (00:30Z and 01:30Z)
    expect(resolveLocalTime(localTimestamp('2024-10-27T02:30:00'), 'Europe/Paris')).toEqual({
      instant: { t: 'ts', v: '2024-10-27T00:30:00.000000Z' }, resolution: 'ambiguous' });
    // 31 Mar 2024: 02:00 CET → 03:00 CEST, so 02:30 never happens
    expect(resolveLocalTime(localTimestamp('2024-03-31T02:30:00'), 'Europe/Paris').resolution).toBe('nonexistent');
    expect(resolveLocalTime(localTimestamp('2024-10-27T03:30:00'), 'Europe/Paris')).toEqual({
      instant: { t: 'ts', v: '2024-10-27T02:30:00.000000Z' }, resolution: 'exact' });
    expect(resolveLocalTime(localTimestamp('2024-10-27T01:59:59'), 'Europe/Paris').resolution).toBe('exact');
    expect(resolveLocalTime(localTimestamp('2024-10-27T02:30:00'), 'UTC').resolution).toBe('exact');
  });

  it('toInstant reports each adjusted value through ctx.notice and counts it in a metric', async () => {
    const seen: CleanNotice[] = [];
    const ctx = { table: 'orders_lt', timezone: 'Europe/Paris', notice: (n: CleanNotice) => seen.push(n) };
    const step = toInstant('D');
    expect(step.apply({ D: '2024-10-27T02:15:00' }, ctx)).toEqual({ D: '2024-10-27T00:15:00.000000Z' });
    expect(step.apply({ D: '2024-10-27T12:00:00' }, ctx)).toEqual({ D: '2024-10-27T11:00:00.000000Z' });
    step.apply({ D: '2024-03-31T02:15:00' }, ctx);
    expect(seen).toEqual([
      { step: 'toInstant', column: 'D', kind: 'ambiguous-local-time', message: expect.stringMatching(/earlier instant/) },
      { step: 'toInstant', column: 'D', kind: 'nonexistent-local-time', message: expect.stringMatching(/shifted forward/) },
    ]);
    const metric = await metricsRegistry().getSingleMetric('siphon_clean_local_times_adjusted_total')!.get();
    const value = (kind: string) => metric.values.find((v) => v.labels.table === 'orders_lt' && v.labels.kind === kind)?.value;
    expect(value('ambiguous-local-time')).toBe(1);
    expect(value('nonexistent-local-time')).toBe(1);
  });
});
