import type { CleaningStep } from '../types.js';
import { columnStep, splitArgs } from './step.js';

export interface EmptyToNullOptions {
  /** Also treat white-space-only text as empty (default true). */
  readonly blank?: boolean;
}

/** Turns empty text into NULL (every text column, or the ones named). */
export function emptyToNull(...args: (string | EmptyToNullOptions)[]): CleaningStep {
  const { columns, options } = splitArgs<EmptyToNullOptions>(args);
  const blank = options.blank ?? true;
  return columnStep('emptyToNull', columns, (v) =>
    typeof v === 'string' && (blank ? v.trim() === '' : v === '') ? null : v);
}
