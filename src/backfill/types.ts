/**
 * Public types of the backfill (DESIGN.md "Backfill interleaved with capture", "Throttling"): the seam between
 * src/backfill and its callers (`siphon migrate`, `siphon status`, `siphon backfill pause|resume`, `siphon reapply`).
 *
 * The moving parts, in the order a caller wires them (`createBackfill` enforces it):
 *  1. capture runs (legacy → event log), started by the caller;
 *  2. a `DataPath` tails the log from apply's checkpoint, passes every record through the `DblogMerger`, and hands
 *     the result to the `Applier` — captured changes and finished backfill chunks, fairly interleaved;
 *  3. `backfill.start()` first writes a probe watermark and waits until it comes back through capture and the data
 *     path: only then is the first chunk read. A row that exists before capture started is therefore always copied,
 *     and a chunk whose watermarks capture did not see is never applied (it is read again).
 */
import type { Value } from '../values/index.js';

/** One legacy table to copy. */
export interface BackfillTableSpec {
  /** The table as the legacy `Database` adapter names it (readPage). */
  readonly table: string;
  /** The table's name in captured records (`RowChange.table`) when it differs (schema-qualified). Default: `table`. */
  readonly capturedAs?: string;
  /**
   * Tables (their `table` names in this backfill) to copy before this one starts: the ones whose next rows this
   * table's next rows reference (`backfillOrder`). A child chunk applied before its parents' rows are in next cannot
   * take the bulk path: its rows wait (`missing-parent`) and are re-driven one by one. Names not in the backfill are
   * ignored; a cycle is broken by starting the first waiting table when nothing else is copying.
   */
  readonly after?: readonly string[];
}

/** Operator pause, kept in the state store so another process (`siphon backfill pause`) can set it. */
export interface OperatorPause {
  readonly paused: boolean;
  /** Who/why, free text (shown in status). */
  readonly reason: string | null;
  /** ISO instant of the last change. */
  readonly at: string;
}

/** Why the backfill is not copying right now. Every pause has one, visible in the status. */
export type PauseReason =
  | { readonly kind: 'operator'; readonly reason: string | null; readonly since: string }
  | { readonly kind: 'heartbeat-latency'; readonly latencyMs: number; readonly boundMs: number }
  | { readonly kind: 'capture-lag'; readonly lagSeconds: number; readonly boundSeconds: number }
  | { readonly kind: 'rate-cap'; readonly rowsPerSecond: number }
  | { readonly kind: 'waiting-for-capture' };

export interface ThrottleOptions {
  /** Pause while a heartbeat query on legacy takes longer than this (ms). Default 500. 0: no heartbeat check. */
  readonly heartbeatMaxMs?: number;
  /** The heartbeat query (default `SELECT 1`). */
  readonly heartbeatQuery?: string;
  /** Pause while capture/apply lag is above this (seconds). Default 30. 0: no lag check. */
  readonly maxLagSeconds?: number;
  /**
   * Even while lag is above the bound, copy at least one chunk every this many ms (default 2000): a backfill that
   * always yields to the change stream never finishes on a busy table (gh-ost issues 1150/761). 0: strict pause.
   */
  readonly minChunkIntervalMs?: number;
  /** Rows per second cap over all tables (default: none). */
  readonly maxRowsPerSecond?: number;
  /** How often throttle conditions and the operator pause are re-read while paused (ms, default 250). */
  readonly checkIntervalMs?: number;
}

export interface BackfillOptions {
  /** Tables to copy. Keys are the ones capture uses (primary key, else a NOT NULL unique key). */
  readonly tables: readonly BackfillTableSpec[];
  /** Rows per chunk (default 5000). Memory: chunkSize × pipelineDepth × parallelTables rows at most. */
  readonly chunkSize?: number;
  /** Tables copied at the same time (default 2). */
  readonly parallelTables?: number;
  /** Chunks of one table in flight (read, waiting for their high watermark) at once (default 2). */
  readonly pipelineDepth?: number;
  readonly throttle?: ThrottleOptions;
}

export type BackfillTableState = 'pending' | 'copying' | 'done' | 'failed';

export interface BackfillTableStatus {
  readonly table: string;
  readonly state: BackfillTableState;
  /** Chunk rows handed to apply and committed (this run plus the runs before, from the stored cursor). */
  readonly rowsCopied: number;
  /** Estimated legacy rows (row count read at start; engines' estimates are not used: they can be far off). */
  readonly rowsEstimate: number | null;
  readonly chunksDone: number;
  /** Chunks read again because their watermarks were not seen in order (restart of capture, schema change). */
  readonly chunksRetried: number;
  /** Chunk rows dropped because a captured change of the same key fell inside the chunk's window (DBLog). */
  readonly rowsEvicted: number;
  /** Rows per second over the last ~10 s of this run. */
  readonly rowsPerSecond: number;
  /** Seconds to go at the current rate; null when unknown. */
  readonly etaSeconds: number | null;
  readonly error: string | null;
}

export type BackfillState = 'idle' | 'waiting-for-capture' | 'copying' | 'paused' | 'done' | 'stopped' | 'failed';

export interface BackfillStatus {
  readonly state: BackfillState;
  /** Set whenever state is 'paused' or 'waiting-for-capture'. */
  readonly pauseReason: PauseReason | null;
  readonly tables: readonly BackfillTableStatus[];
  readonly rowsCopied: number;
  readonly rowsEstimate: number | null;
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | null;
  readonly error: string | null;
}

/**
 * A key range for re-apply, as the adapters' keyset reads take it (key-column order, the engine's order):
 * rows with key > `after` (exclusive) and key <= `until` (inclusive); absent ends are open.
 */
export interface KeyRange {
  readonly after?: readonly Value[];
  readonly until?: readonly Value[];
}

export interface ReapplyResult {
  readonly table: string;
  readonly rowsRead: number;
  readonly chunks: number;
}

/** A running backfill (see `createBackfill`). */
export interface Backfill {
  /**
   * Verifies capture runs (probe watermark round trip through the data path), then copies every table in the
   * background. Resolves once copying has started; `finished` settles when every table is done (or on failure).
   */
  start(): Promise<void>;
  /** Stop after the chunks in flight (their rows are applied or read again on the next start). */
  stop(): Promise<void>;
  status(): BackfillStatus;
  /** Re-read legacy rows of `range` through the same chunk mechanism (after a mapping fix), origin 'reapply'. */
  reapply(table: string, range?: KeyRange): Promise<ReapplyResult>;
  readonly finished: Promise<void>;
}
