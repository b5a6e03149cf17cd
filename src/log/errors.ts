import { SiphonError } from '../errors.js';

export class LogError extends SiphonError {}

/** A consumer tried to move its checkpoint from a value that is no longer current (another instance moved it). */
export class CheckpointConflictError extends LogError {
  constructor(readonly consumer: string, readonly expected: string | null, readonly actual: string | null) {
    super('LOG_CHECKPOINT_CONFLICT',
      `checkpoint of consumer "${consumer}" is at ${actual ?? '(start)'}, not ${expected ?? '(start)'} as expected: ` +
      'another instance of this consumer moved it (run one instance per consumer name, or re-read the checkpoint)',
      { consumer, expected, actual });
  }
}

/** A record failed validation, on append (bad input from a producer) or on read (a corrupt or foreign entry). */
export class LogRecordError extends LogError {
  constructor(where: string, problems: readonly string[]) {
    super('LOG_INVALID_RECORD', `invalid log record ${where}: ${problems.join('; ')}`, { where, problems });
  }
}

/** An offset given by a user or a caller is not one this log understands. */
export class InvalidOffsetError extends LogError {
  constructor(offset: string, log: string, expected: string) {
    super('LOG_INVALID_OFFSET', `"${offset}" is not an offset of the ${log} log: expected ${expected}`, { offset, log, expected });
  }
}

/** The log's storage failed or is unreachable; the message names the log (URL redacted) and the operation. */
export class LogStorageError extends LogError {
  constructor(log: string, operation: string, cause: unknown) {
    super('LOG_STORAGE', `${operation} on log ${log} failed: ${(cause as Error)?.message ?? String(cause)}`, { log, operation }, { cause });
  }
}

/**
 * A pipelined append (see LogCapabilities.pipelinedAppends) was not stored because an append issued before it, and
 * still in flight when it was issued, failed: nothing of this batch was written, so a checkpoint it carried cannot
 * claim records that are not in the log.
 */
export class EarlierAppendFailedError extends LogError {
  constructor(log: string, cause: unknown) {
    super('LOG_EARLIER_APPEND_FAILED',
      `append on log ${log} not stored: an earlier append still in flight failed (${(cause as Error)?.message ?? String(cause)})`,
      { log }, { cause });
  }
}

export class LogClosedError extends LogError {
  constructor(log: string) {
    super('LOG_CLOSED', `log ${log} is closed`, { log });
  }
}

/** A name (consumer, source, log) that cannot be used, with the rule it broke. */
export class InvalidLogNameError extends LogError {
  constructor(what: string, name: string, rule: string) {
    super('LOG_INVALID_NAME', `invalid ${what} name "${name}": ${rule}`, { what, name, rule });
  }
}

/**
 * A reading command named a log that does not exist (a mistyped `sqlite:` path, schema or stream). Opening for read
 * never creates a log, its folder, schema or stream: an empty log reported as fine would hide the typo.
 */
export class LogNotFoundError extends LogError {
  constructor(log: string, detail: string) {
    super('LOG_NOT_FOUND', `no event log at ${log}: ${detail} (a reading command never creates one; check the URL, or run capture first)`, { log, detail });
  }
}
