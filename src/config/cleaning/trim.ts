import type { CleaningStep } from '../types.js';
import { columnStep, splitArgs } from './step.js';

export interface TrimOptions {
  /** `both` (default) or `end` only (CHAR columns pad on the right). */
  readonly side?: 'both' | 'end';
}

/**
 * Trims white space from text values: every text column, or the ones named. Removes CHAR(n) padding. Non-text
 * values pass through untouched.
 */
export function trim(...args: (string | TrimOptions)[]): CleaningStep {
  const { columns, options } = splitArgs<TrimOptions>(args);
  const end = options.side === 'end';
  return columnStep('trim', columns, (v) => (typeof v === 'string' ? (end ? v.trimEnd() : v.trim()) : v));
}
