import type { LogRecord } from '../log/change.js';

/** How changes are taken from the legacy database. */
export type CaptureMethod = 'trigger' | 'binlog' | 'pgoutput';
export const CAPTURE_METHODS: readonly CaptureMethod[] = ['trigger', 'binlog', 'pgoutput'];

/** What to do when a captured table changes shape: record it and go on with fresh metadata, or record it and stop. */
export type OnSchemaChange = 'follow' | 'stop';

export interface CaptureOptions {
  /** The source's name in the log (e.g. "legacy"); positions are stored under it. */
  readonly source: string;
  /** Captured tables (the watermark table is always captured in addition). */
  readonly tables: readonly string[];
  readonly onSchemaChange?: OnSchemaChange;
  /** Most records per log append (default 2000). */
  readonly batchSize?: number;
  /** Longest a captured change waits in memory before it is appended (default 5 ms). */
  readonly flushIntervalMs?: number;
  /** Poll interval of the trigger drainer and of schema checks (default 10 ms / 1 s). */
  readonly pollIntervalMs?: number;
  readonly schemaCheckIntervalMs?: number;
}

/**
 * Where capture writes. `write` appends the records and stores `checkpoint` atomically with them (the log's
 * `append(batch, { sourcePosition })`); only after it resolves does a source acknowledge (PostgreSQL slot), prune
 * (trigger change table) or otherwise forget what it wrote. On start a source reads `lastCheckpoint()` and continues
 * right after it, skipping anything at or before it: a crash loses nothing and a repeat has no effect.
 */
export interface CaptureSink {
  lastCheckpoint(): Promise<string | null>;
  write(records: readonly LogRecord[], checkpoint: string): Promise<void>;
  /**
   * write() may be called again before the previous call resolved, with the log's guarantee
   * (LogCapabilities.pipelinedAppends): writes are stored in call order, and one is stored only if every write in
   * flight before it was. The runtime then keeps up to two appends in flight. Absent: one at a time.
   */
  readonly pipelined?: boolean;
}

export type CaptureState = 'idle' | 'running' | 'stopped' | 'failed';

export interface CaptureCounts {
  insert: number;
  update: number;
  delete: number;
  ddl: number;
  watermark: number;
}

export interface CaptureStatus {
  readonly source: string;
  readonly method: CaptureMethod;
  readonly state: CaptureState;
  /** The fatal error's message when state is failed. */
  readonly error: string | null;
  /** The last checkpoint stored in the log (the position capture resumes after). */
  readonly position: string | null;
  /** Append time minus source commit time of the last appended change, in seconds; null before the first. */
  readonly lagSeconds: number | null;
  /**
   * How far the source is ahead of what is stored, in the source's unit: WAL bytes (pgoutput: current LSN minus the
   * slot's confirmed flush), binary-log bytes (binlog: same file only, else null), pending change rows (trigger).
   */
  readonly lagPositions: number | null;
  /** Records appended since start, by table. */
  readonly counts: Readonly<Record<string, CaptureCounts>>;
  readonly appended: number;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

/** A running capture of one legacy database. */
export interface CaptureSource {
  readonly source: string;
  readonly method: CaptureMethod;
  /** Resolves once capture runs (resume position found, stream open). Rejects on a setup problem. */
  start(sink: CaptureSink): Promise<void>;
  /** Stops reading, appends what is buffered, then closes connections. */
  stop(): Promise<void>;
  status(): Promise<CaptureStatus>;
  /** Settles when capture ends: resolves after stop(), rejects with the fatal error (schema change, purged log...). */
  readonly finished: Promise<void>;
}
