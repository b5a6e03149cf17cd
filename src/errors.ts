/**
 * Base of every typed error Siphon throws. Each area has its own `errors.ts` with subclasses that carry the context
 * needed to act on them (table, column, position, config path...). `code` is stable and meant for scripts.
 */
export class SiphonError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }

  toJSON(): { name: string; code: string; message: string; context: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/** For exhaustive switches: the compiler proves this is unreachable. */
export function assertNever(x: never, what = 'value'): never {
  throw new SiphonError('UNREACHABLE', `unexpected ${what}: ${JSON.stringify(x)}`);
}
