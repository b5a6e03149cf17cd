/**
 * Base of every typed error Siphon throws. Each area has its own `errors.ts` with subclasses that carry the context
 * needed to act on them (table, column, position, config path...). `code` is stable and meant for scripts.
 */
export class SiphonError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;
  /**
   * Whether doing the same thing again may succeed (connection lost, serialization failure, deadlock, lock timeout),
   * as opposed to a problem of the input or the configuration that a retry would only repeat (constraint, type or
   * value errors). Callers choose between retry and quarantine from this, never from the message. Default false.
   */
  readonly retryable: boolean;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
    this.retryable = options?.retryable ?? false;
  }

  toJSON(): { name: string; code: string; message: string; context: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/** True when `e` says a retry may cure it (see SiphonError.retryable). Errors Siphon did not classify are not retryable. */
export function isRetryable(e: unknown): boolean {
  return e instanceof SiphonError && e.retryable;
}

/** For exhaustive switches: the compiler proves this is unreachable. */
export function assertNever(x: never, what = 'value'): never {
  throw new SiphonError('UNREACHABLE', `unexpected ${what}: ${JSON.stringify(x)}`);
}
