import type { CleaningStep } from '../types.js';
import { columnStep, splitArgs } from './step.js';

export interface CaseOptions {
  /** BCP 47 locale for locale-aware case mapping (e.g. 'tr' for dotted I); default: locale-independent. */
  readonly locale?: string;
}

/** Upper-cases text values (every text column, or the ones named). */
export function upper(...args: (string | CaseOptions)[]): CleaningStep {
  const { columns, options } = splitArgs<CaseOptions>(args);
  const loc = options.locale;
  return columnStep('upper', columns, (v) => (typeof v === 'string' ? (loc ? v.toLocaleUpperCase(loc) : v.toUpperCase()) : v));
}

/** Lower-cases text values (every text column, or the ones named). */
export function lower(...args: (string | CaseOptions)[]): CleaningStep {
  const { columns, options } = splitArgs<CaseOptions>(args);
  const loc = options.locale;
  return columnStep('lower', columns, (v) => (typeof v === 'string' ? (loc ? v.toLocaleLowerCase(loc) : v.toLowerCase()) : v));
}

/**
 * Title-cases text values: the first letter of each word upper case, the rest lower case. Words are separated by
 * anything that is not a letter or an apostrophe, so "jean-pierre O'NEIL" becomes "Jean-Pierre O'neil".
 */
export function title(...args: (string | CaseOptions)[]): CleaningStep {
  const { columns, options } = splitArgs<CaseOptions>(args);
  const loc = options.locale;
  const up = (s: string) => (loc ? s.toLocaleUpperCase(loc) : s.toUpperCase());
  const low = (s: string) => (loc ? s.toLocaleLowerCase(loc) : s.toLowerCase());
  return columnStep('title', columns, (v) =>
    typeof v === 'string' ? v.replace(/[\p{L}\p{M}'’]+/gu, (w) => up(w.slice(0, 1)) + low(w.slice(1))) : v);
}
