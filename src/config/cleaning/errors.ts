import { SiphonError } from '../../errors.js';

/** Why a cleaning step could not clean a value. Stable: these become quarantine reasons. */
export type CleaningReason = 'unknown-code' | 'unparseable-decimal' | 'no-timezone' | 'not-a-timestamp' | 'step-failed';

/** Brand shared by every copy of this module: a config may load its own copy of siphon (see config/load.ts). */
const BRAND = Symbol.for('siphon.CleaningError');

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Buffer.isBuffer(value) ? `<${value.length} bytes>` : JSON.stringify(value);
  return String(value);
}

/**
 * A cleaning step failed on one value. Carries the table, the column, the offending value and the reason, so the row
 * can be quarantined with an actionable message. `value` may be personal data: reports group by step, column and
 * reason and show keys only.
 */
export class CleaningError extends SiphonError {
  readonly [BRAND] = true;
  constructor(
    readonly step: string,
    readonly table: string,
    readonly column: string,
    readonly value: unknown,
    readonly reason: CleaningReason,
    detail: string,
  ) {
    super(`CLEAN_${reason.toUpperCase().replace(/-/g, '_')}`, `${table}.${column}: ${step}: ${detail} (value ${show(value)})`, { step, table, column, reason });
  }

  static is(e: unknown): e is CleaningError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
  }
}
