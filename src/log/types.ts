import type { LogRecord } from './change.js';

/**
 * A log offset: the log's own order, as opaque text. Each adapter defines its form and order:
 * SQLite "17" (rowid), PostgreSQL "812345:17" (transaction id : position), NATS "17" (stream sequence).
 * Compare offsets only with `log.compareOffsets`, never as strings. Distinct from a change's source `position`.
 */
export type LogOffset = string;

/** An entry as read back: the record plus where it sits in the log and when it was appended. */
export interface LogEntry {
  readonly offset: LogOffset;
  readonly record: LogRecord;
  /** ISO instant of the append (the log's clock, not the source's). */
  readonly appendedAt: string;
}

/** Where capture got to in its source, stored by the log together with the entries it produced. */
export interface SourcePosition {
  readonly source: string;
  readonly position: string;
}

export interface AppendOptions {
  /**
   * Store this source position in the same transaction as the entries (SQLite, PostgreSQL), or right after the
   * acknowledged publish plus a header on the batch's last message (NATS). Capture resumes from it after a crash.
   */
  readonly sourcePosition?: SourcePosition;
}

export interface AppendResult {
  /** One offset per appended record, in input order, strictly increasing. */
  readonly offsets: readonly LogOffset[];
}

export interface ConsumerCheckpoint {
  readonly name: string;
  /** The offset of the last entry this consumer has handled; null: nothing yet (start of the log). */
  readonly offset: LogOffset | null;
  readonly updatedAt: string;
}

export interface RetentionPolicy {
  /** Only entries appended longer ago than this are deleted. 0: any entry every consumer has passed. */
  readonly maxAgeMs: number;
  /** Clock override (tests). */
  readonly now?: Date;
}

export interface RetentionResult {
  readonly deleted: number;
  /** The highest offset deleted, or null when nothing was. */
  readonly upTo: LogOffset | null;
}

export interface LogStats {
  readonly entries: number;
  readonly firstOffset: LogOffset | null;
  readonly lastOffset: LogOffset | null;
  /** Stored size in bytes when cheap to know, else null. */
  readonly bytes: number | null;
}

export interface LogCapabilities {
  /** tail() is woken by the engine (notify, push consumer) rather than only by polling. */
  readonly pushTail: boolean;
  /** Several processes on several machines can append and read the same log. */
  readonly distributed: boolean;
  /** append(batch, { sourcePosition }) stores the position atomically with the entries. */
  readonly atomicSourcePosition: boolean;
  /**
   * append() may be called again before the previous call resolved: batches are stored in call order, and a batch
   * is stored only if every append still in flight before it was stored (when one fails, those queued behind it
   * reject with EarlierAppendFailedError and nothing of them is stored). Capture uses it to prepare and send the
   * next batch while the previous one commits. Without it, callers must wait for each append before the next.
   */
  readonly pipelinedAppends: boolean;
}

export interface TailOptions {
  /** Largest batch yielded at once. */
  readonly batchSize?: number;
}

/**
 * The event log: append-only, ordered, replayable. Consumers read with `read`/`tail` from their checkpoint and move
 * it with `commit` (compare-and-set) after handling a batch, so a restart resumes exactly after the last handled
 * entry: no loss, and no duplicate beyond the batch that was in flight when it stopped.
 *
 * Contract (tested over every adapter by test/log/contract.int.test.ts):
 * - offsets returned by append are strictly increasing in input order, and a later append's offsets are greater;
 * - read/tail return entries in offset order with no gap: an entry that becomes visible later never has an offset
 *   below one already returned (on PostgreSQL this needs the transaction-id snapshot rule, see postgres/);
 * - retention never deletes an entry some registered consumer has not passed.
 */
export interface EventLog {
  /** A short, password-free description (for messages and metrics), e.g. "sqlite:.siphon/log.sqlite". */
  readonly name: string;
  readonly capabilities: LogCapabilities;

  append(batch: readonly LogRecord[], options?: AppendOptions): Promise<AppendResult>;
  /** Up to `limit` entries with offset greater than `after` (null: from the start), in order. */
  read(after: LogOffset | null, limit: number): Promise<LogEntry[]>;
  /** Batches of entries after `after`, as they arrive, until `signal` aborts (then the iteration just ends). */
  tail(after: LogOffset | null, signal: AbortSignal, options?: TailOptions): AsyncIterable<LogEntry[]>;

  /** The last source position stored with an append for this source, or null if none. */
  lastSourcePosition(source: string): Promise<string | null>;

  /** Register a consumer (no-op if it exists). Its checkpoint starts at `at` (default null: the start). */
  registerConsumer(name: string, at?: LogOffset | null): Promise<ConsumerCheckpoint>;
  /** The consumer's checkpoint; an unknown consumer reads as offset null (and is not registered by this call). */
  checkpoint(name: string): Promise<ConsumerCheckpoint>;
  /** Move the checkpoint from `expected` to `next`; CheckpointConflictError if it is not at `expected`. */
  commit(name: string, expected: LogOffset | null, next: LogOffset | null): Promise<void>;
  consumers(): Promise<ConsumerCheckpoint[]>;
  /** Forget a consumer (it no longer holds back retention). */
  dropConsumer(name: string): Promise<void>;

  /** Delete entries every registered consumer has passed and older than maxAge. No consumer: nothing is deleted. */
  applyRetention(policy: RetentionPolicy): Promise<RetentionResult>;
  stats(): Promise<LogStats>;

  /** Order of two offsets of this log (<0, 0, >0). */
  compareOffsets(a: LogOffset, b: LogOffset): number;
  /** The cursor just before `offset`: read(offsetBefore(o)) starts with the entry at o. */
  offsetBefore(offset: LogOffset): LogOffset | null;
  /** Check user input (CLI --from) and return it in canonical form, or InvalidOffsetError. */
  parseOffset(text: string): LogOffset;

  close(): Promise<void>;
}
