import { localTimestamp, localToInstant } from '../../values/construct.js';
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
 * server's zone is how timestamps silently shift by an hour. NULL and invalid values pass through.
 */
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
    return localToInstant(local, zone).v;
  });
}
