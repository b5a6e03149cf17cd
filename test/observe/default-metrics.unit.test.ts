import { afterEach, describe, expect, it } from 'vitest';
import { enableDefaultMetrics, renderMetrics, resetMetrics } from '../../src/observe/metrics.js';

// Finding 12 of issue 11: process metrics were named `siphon_process_process_…`.
describe('process metrics', () => {
  afterEach(() => { resetMetrics(); });

  it('carry one siphon_ prefix, never a doubled one, and every name is siphon_*', async () => {
    resetMetrics();
    enableDefaultMetrics();
    const { body } = await renderMetrics();
    const names = [...new Set(body.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]!))];
    expect(names).toContain('siphon_process_cpu_seconds_total');
    expect(names).toContain('siphon_nodejs_eventloop_lag_seconds');
    expect(names.filter((n) => /(^|_)process_process_|siphon_siphon_/.test(n))).toEqual([]);
    expect(names.filter((n) => !n.startsWith('siphon_'))).toEqual([]);
  });
});
