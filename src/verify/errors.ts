import { SiphonError } from '../errors.js';

/** Base of every verify error. */
export class VerifyError extends SiphonError {}

/**
 * The verification could not reach a verdict: a read failed, a connection dropped, an enumeration ended early or a
 * mapping cannot be merge-joined. Fail closed: this is never a pass (exit code 3).
 */
export class VerifyInconclusiveError extends VerifyError {
  constructor(table: string, why: string, cause?: unknown) {
    super('VERIFY_INCONCLUSIVE', `verify ${table}: inconclusive: ${why}`, { table, why }, cause === undefined ? undefined : { cause });
  }
}

/** A verify option names a table, entity or key the configuration does not know. */
export class VerifyUsageError extends VerifyError {
  constructor(option: string, message: string) {
    super('VERIFY_USAGE', `${option}: ${message}`, { option });
  }
}

/** Turns any failure of a read into the reason text of an inconclusive result. */
export function describeFailure(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? `${err.code}: ` : '';
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  return `${code}${msg.split('\n')[0]!.slice(0, 300)}`;
}

/**
 * A side gave its keys out of code-point order (`compareKeys`): the merge join cannot trust it. Either a row moved
 * under the pass or the engine's order for that key is not code-point order; the table is inconclusive.
 */
export class VerifyOrderError extends VerifyError {
  constructor(readonly side: 'legacy' | 'next', key: string, after: string) {
    super('VERIFY_ORDER', `${side} keys out of code-point order: ${key} came after ${after}`, { side, key, after });
  }
}
