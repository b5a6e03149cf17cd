import { SiphonError } from '../errors.js';

/** Base of apply's errors. Data problems never throw: they quarantine. These are the rest. */
export class ApplyError extends SiphonError {}

/** The stored checkpoint is not the one the batch expected: another applier moved it (or the caller is confused). */
export class ApplyCheckpointConflictError extends ApplyError {
  constructor(consumer: string, expected: string | null, actual: string | null) {
    super('APPLY_CHECKPOINT_CONFLICT',
      `apply checkpoint "${consumer}" is at ${actual === null ? '(none)' : `"${actual}"`}, not at the expected ${expected === null ? '(none)' : `"${expected}"`}: another applier moved it; re-read it with checkpoint() and resume from there`,
      { consumer, expected, actual });
  }
}

/** The mapping and the next database do not fit together (no key for a next table...): fix the config. */
export class ApplyConfigError extends ApplyError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('APPLY_CONFIG', message, context);
  }
}

/** A retryable failure persisted through every attempt; the batch had no effect. */
export class ApplyRetryExhaustedError extends ApplyError {
  constructor(attempts: number, cause: unknown) {
    super('APPLY_RETRY_EXHAUSTED', `apply batch failed ${attempts} times with a retryable error: ${(cause as Error)?.message ?? String(cause)}`,
      { attempts }, { cause, retryable: true });
  }
}
