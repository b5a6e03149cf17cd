import { localTimestamp, resolveLocalTime } from '../../values/construct.js';
import { counter } from '../../observe/metrics.js';
import type { CleaningStep } from '../types.js';
import { CleaningError } from './errors.js';
import { columnStep, splitArgs } from './step.js';

export interface ToInstantOptions {
  /** IANA zone of the values; default: the config's `legacy.timezone`. */
  readonly zone?: string;
}

/**
 * Turns zone-less local date-times (MariaDB DATETIME, PostgreSQL timestamp: ISO text without zone) into instants
 * (`...Z`), interpreting them in `legacy.timezone` (or the zone given). Without a zone it is an error: guessing the
 * server's zone is how timestamps silently shift by an hour. NULL and invalid values pass through. A local time the
 * zone repeats (clocks going back) or skips (clocks going forward) is resolved as PostgreSQL does, and counted:
 * `ctx.notice` (the dry run's report) and the `siphon_clean_local_times_adjusted_total` metric.
 */
const adjusted = () => counter<'table' | 'column' | 'kind'>({
  name: 'siphon_clean_local_times_adjusted_total',
  help: 'Zone-less date-times toInstant resolved by a rule: ambiguous (repeated hour, earlier instant taken) or nonexistent (skipped hour, shifted forward)',
  labelNames: ['table', 'column', 'kind'],
});

const NOTICES = {
  ambiguous: { kind: 'ambiguous-local-time', message: 'ambiguous local time (clocks went back): the earlier instant was taken' },
  nonexistent: { kind: 'nonexistent-local-time', message: 'nonexistent local time (clocks went forward): shifted forward by the gap' },
} as const;

export function toInstant(...args: (string | ToInstantOptions)[]): CleaningStep {
  const { columns, options } = splitArgs<ToInstantOptions>(args);
  return columnStep('toInstant', columns, (v, column, ctx) => {
    if (typeof v !== 'string') return v;
    const zone = options.zone ?? ctx.timezone;
    if (!zone) throw new CleaningError('toInstant', ctx.table, column, v, 'no-timezone', 'no zone: set legacy.timezone in the config or toInstant(column, { zone })');
    let local;
    try { local = localTimestamp(v); } catch {
      throw new CleaningError('toInstant', ctx.table, column, v, 'not-a-timestamp', 'not a zone-less date-time');
    }
    const { instant, resolution } = resolveLocalTime(local, zone);
    if (resolution !== 'exact') {
      const n = NOTICES[resolution];
      adjusted().inc({ table: ctx.table, column, kind: n.kind });
      ctx.notice?.({ step: 'toInstant', column, kind: n.kind, message: n.message });
    }
    return instant.v;
  });
}
