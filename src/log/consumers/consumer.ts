import type { LogEntry } from '../types.js';

/**
 * A consumer of the log: apply, a projection, or a CLI printer. `handle` must finish its effects for the batch before
 * it returns; the checkpoint moves after it. A consumer whose effects are transactional (apply writes rows and its
 * own checkpoint in one transaction) is exactly-once; any other is at-least-once for the batch in flight at a crash.
 */
export interface Consumer {
  readonly name: string;
  /**
   * Whether the log keeps this consumer's checkpoint (default true). A printer or a counter has no state to keep:
   * replaying to it must not register a checkpoint that would hold back retention forever.
   */
  readonly durable?: boolean;
  handle(batch: readonly LogEntry[]): Promise<void> | void;
}

/** What the CLI gives a consumer it builds for `siphon log replay --consumer NAME`. */
export interface ConsumerContext {
  readonly json: boolean;
  readonly write: (line: string) => void;
}

/** A consumer the CLI can run: `finish` is called once after the replay (summaries print there). */
export interface CliConsumer extends Consumer {
  finish?(): void;
}

export type ConsumerFactory = (ctx: ConsumerContext) => CliConsumer | Promise<CliConsumer>;
