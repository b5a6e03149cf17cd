import type { InvalidReason, InvalidValue } from '../../values/value.js';
import type { CleaningStep } from '../types.js';
import { columnStep, splitArgs } from './step.js';

export interface ZeroDatesOptions {
  /** Also turn other impossible dates (e.g. '2019-02-30', which MariaDB may hold) into NULL. Default false. */
  readonly invalidDates?: boolean;
}

function isInvalidValue(v: unknown): v is InvalidValue {
  return typeof v === 'object' && v !== null && (v as { t?: unknown }).t === 'invalid' && typeof (v as { reason?: unknown }).reason === 'string';
}

/**
 * Turns MariaDB zero dates ('0000-00-00', which the value model reports as `invalid` values with reason `zero-date`)
 * into NULL. Explicit by design: without this step such values stay `invalid` and the row is quarantined.
 */
export function zeroDatesToNull(...args: (string | ZeroDatesOptions)[]): CleaningStep {
  const { columns, options } = splitArgs<ZeroDatesOptions>(args);
  const reasons = new Set<InvalidReason>(options.invalidDates ? ['zero-date', 'invalid-date'] : ['zero-date']);
  return columnStep('zeroDatesToNull', columns, (v) => (isInvalidValue(v) && reasons.has(v.reason) ? null : v));
}
