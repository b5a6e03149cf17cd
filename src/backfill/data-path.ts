import type { Applier, ApplyBatchResult, ApplyItem, ApplyBatchOptions } from '../apply/types.js';
import { applyMetrics, countApplied } from '../apply/metrics.js';
import { isRetryable } from '../errors.js';
import { withSpan } from '../observe/spans.js';
import type { EventLog, LogEntry, LogOffset } from '../log/types.js';
import type { Row } from '../values/index.js';
import type { ChunkCheckpoint, ChunkSpec, GroupSpec, MergeOutput } from './merger.js';
import { DblogMerger } from './merger.js';

/**
 * The log consumer's path: tail the event log from apply's checkpoint (stored in next by the applier), run every
 * record through the DBLog merger, and hand the result to the applier in stream order:
 * captured changes with apply's checkpoint, each finished chunk with its own cursor checkpoint.
 *
 * Sharing (gh-ost issues 1150/761): a chunk's rows are applied as soon as the batch holding its high watermark has
 * been merged, between two slices of captured changes, never after "the stream is idle". The stream is read in
 * bounded batches, so under constant writes chunks still get their turn; the backfill's own pacing decides how many
 * chunks are in flight (see Throttle).
 */

export const APPLY_CONSUMER = 'apply';
const CHECKPOINT_CATCH_UP_MS = 1000;
/** Chunk applies handed to the applier before the first of them finished (mapping overlaps the previous transaction). */
const CHUNKS_IN_FLIGHT = 2;

export type ChunkOutcome =
  | {
    readonly kind: 'applied'; readonly read: number; readonly applied: number; readonly evicted: number; readonly result: ApplyBatchResult;
    /** The high watermark's position: the version the chunk's rows were applied at. */
    readonly position?: string;
    /** The surviving rows handed to apply, in the order of `result.items` when the applier reports per-item outcomes. */
    readonly items?: readonly ApplyItem[];
    /** Group chunks: rows evicted by a captured change inside the window (that change was applied before). */
    readonly evictedKeys?: readonly { readonly table: string; readonly key: string }[];
  }
  | { readonly kind: 'lost'; readonly reason: string; /** The apply error, when applying the chunk failed. */ readonly error?: unknown };

export interface DataPathOptions {
  readonly log: EventLog;
  readonly applier: Applier;
  /** Apply's checkpoint name in next (default 'apply'). */
  readonly consumer?: string;
  /** Log entries read per batch (default 1000). */
  readonly batchSize?: number;
  /** Attempts of an apply call that failed with a retryable error (default 5). */
  readonly retries?: number;
}

export interface DataPathStatus {
  readonly state: 'idle' | 'running' | 'stopped' | 'failed';
  /** Offset of the last log entry applied. */
  readonly appliedThrough: LogOffset | null;
  /** now − source time of the last applied change while behind; 0 when caught up; null before the first batch. */
  readonly lagSeconds: number | null;
  readonly changesApplied: number;
  readonly chunkRowsApplied: number;
  /** Time spent inside the applier, seconds: captured changes and chunk rows apart (where the path's time goes). */
  readonly applySeconds: { readonly stream: number; readonly chunks: number };
  readonly error: string | null;
}

export class DataPath {
  readonly merger = new DblogMerger();
  private readonly consumer: string;
  private readonly waiting = new Map<string, (o: ChunkOutcome) => void>();
  private readonly probes = new Map<string, () => void>();
  private abort = new AbortController();
  private state: DataPathStatus['state'] = 'idle';
  /** The last log entry merged and applied (or with nothing to apply). */
  private through: LogOffset | null = null;
  /** Apply's checkpoint as stored in next: behind `through` by slices that held only watermarks/DDL. */
  private stored: LogOffset | null = null;
  private storedAt = 0;
  private lag: number | null = null;
  private changes = 0;
  private chunkRows = 0;
  private readonly applyMs = { stream: 0, chunks: 0 };
  private error: string | null = null;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly options: DataPathOptions) {
    this.consumer = options.consumer ?? APPLY_CONSUMER;
  }

  /** Start tailing; `finished` settles when stopped (resolves) or failed (rejects). */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    await this.open();
    this.done = this.loop(this.abort.signal).catch((e: unknown) => {
      this.state = 'failed';
      this.error = e instanceof Error ? e.message : String(e);
      this.failWaiters(`data path failed: ${this.error}`);
      throw e;
    });
    this.done.catch(() => undefined); // observed through `finished`
  }

  /**
   * Read apply's checkpoint and accept chunks, without tailing: `process` is then fed by the caller (tests, a caller
   * with its own reader). `start()` does this and tails the log itself.
   */
  async open(): Promise<void> {
    this.abort = new AbortController();
    this.through = this.stored = await this.options.applier.checkpoint(this.consumer);
    this.storedAt = performance.now();
    this.state = 'running';
  }

  /** The offset of the last entry applied (where the tail resumes). */
  get appliedThrough(): LogOffset | null {
    return this.through;
  }

  /** Merge and apply one batch of log entries that follow `appliedThrough`, in order. */
  async process(batch: readonly LogEntry[], caughtUp = false): Promise<void> {
    if (batch.length === 0) { this.lag = 0; return; }
    await this.handle(this.merger.accept(batch));
    const lastChange = [...batch].reverse().find((e) => e.record.kind === 'change');
    this.lag = caughtUp ? 0 : lastChange ? Math.max(0, (Date.now() - Date.parse(lastChange.record.at)) / 1000) : this.lag;
    this.through = batch[batch.length - 1]!.offset;
    // slices without changes (watermarks, DDL) do not cost a transaction each: apply's checkpoint catches up with them
    // at the next change, at the log's end, or at most a second later (replaying them after a crash is harmless: their
    // chunks are dead)
    if (this.stored !== this.through && (caughtUp || performance.now() - this.storedAt >= CHECKPOINT_CATCH_UP_MS)) await this.moveCheckpoint([], this.through);
  }

  get finished(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done.catch(() => undefined);
    if (this.state === 'running' && this.through !== null && this.stored !== this.through) await this.moveCheckpoint([], this.through).catch(() => undefined);
    if (this.state === 'running') this.state = 'stopped';
    this.failWaiters('data path stopped');
  }

  status(): DataPathStatus {
    return { state: this.state, appliedThrough: this.through, lagSeconds: this.lag, changesApplied: this.changes, chunkRowsApplied: this.chunkRows,
      applySeconds: { stream: this.applyMs.stream / 1000, chunks: this.applyMs.chunks / 1000 }, error: this.error };
  }

  /** Capture-to-apply lag in seconds (null before the first batch). */
  lagSeconds(): number | null {
    return this.lag;
  }

  /** Announce a chunk; the promise settles when its rows are applied or when it is lost. */
  expectChunk(spec: ChunkSpec): Promise<ChunkOutcome> {
    if (this.state !== 'running') return Promise.resolve({ kind: 'lost', reason: `data path is ${this.state}` });
    this.merger.expect(spec);
    return new Promise((resolve) => this.waiting.set(spec.id, resolve));
  }

  /**
   * Announce a chunk over several tables under one pair of watermarks (aspire); settles like `expectChunk`. The data
   * path gives it no place of its own: it is applied when its high watermark passes, after every change before it.
   */
  expectGroup(spec: GroupSpec): Promise<ChunkOutcome> {
    if (this.state !== 'running') return Promise.resolve({ kind: 'lost', reason: `data path is ${this.state}` });
    this.merger.expectGroup(spec);
    return new Promise((resolve) => this.waiting.set(spec.id, resolve));
  }

  registerGroup(id: string, rows: ReadonlyMap<string, Row[]>): void {
    this.merger.registerGroup(id, rows);
  }

  register(id: string, rows: Row[], checkpoint: ChunkCheckpoint | null): void {
    this.merger.register(id, rows, checkpoint);
  }

  abandon(id: string, reason: string): void {
    this.merger.abandon(id);
    this.settle(id, { kind: 'lost', reason });
  }

  /** Resolves when the probe watermark `id` has come through capture and this path. */
  expectProbe(id: string): Promise<void> {
    this.merger.expectProbe(id);
    return new Promise((resolve) => this.probes.set(id, resolve));
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const batchSize = this.options.batchSize ?? 1000;
    for await (const batch of this.options.log.tail(this.through, signal, { batchSize })) {
      // a short batch means the tail caught up with the log's end
      await this.process(batch, batch.length < batchSize);
      if (signal.aborted) break;
    }
  }

  private async handle(outputs: readonly MergeOutput[]): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    try {
      await this.handleAll(outputs, inFlight);
    } finally {
      // a batch is handled when every chunk in it is applied or lost (callers of process() rely on it)
      await Promise.all(inFlight);
    }
  }

  private async applyChunk(o: Extract<MergeOutput, { kind: 'chunk' }>): Promise<void> {
    let outcome: ChunkOutcome;
    const t0 = performance.now();
    try {
      const result = await this.apply(o.items, o.checkpoint ? { checkpoint: o.checkpoint } : {}, 'chunk');
      this.applyMs.chunks += performance.now() - t0;
      this.chunkRows += o.items.length;
      outcome = { kind: 'applied', read: o.read, applied: o.items.length, evicted: o.evicted, result, position: o.position, items: o.items,
        ...(o.evictedKeys ? { evictedKeys: o.evictedKeys } : {}) };
    } catch (e) {
      // a chunk that cannot be applied (its cursor moved elsewhere, a data path conflict) is read again by its
      // owner from the stored cursor; the stream goes on
      outcome = { kind: 'lost', reason: `apply of chunk failed: ${e instanceof Error ? e.message : String(e)}`, error: e };
    }
    this.settle(o.chunk.id, outcome);
  }

  private async handleAll(outputs: readonly MergeOutput[], inFlight: Set<Promise<void>>): Promise<void> {
    for (const o of outputs) {
      switch (o.kind) {
        case 'stream': {
          if (o.items.length > 0) await this.moveCheckpoint(o.items, o.through);
          this.through = o.through;
          this.changes += o.items.length;
          break;
        }
        case 'chunk': {
          // not awaited here (up to CHUNKS_IN_FLIGHT): the applier takes its place in its FIFO lock at call time, so
          // the next chunk is mapped while this one's transaction runs (the main thread was idle 41 % of a backfill
          // round waiting for PostgreSQL). Order is the call order; a chunk that fails is lost alone and read again
          // (the ones behind it of the same table fail their cursor CAS, as before).
          while (inFlight.size >= CHUNKS_IN_FLIGHT) await Promise.race(inFlight);
          const done = this.applyChunk(o).finally(() => inFlight.delete(done));
          inFlight.add(done);
          break;
        }
        case 'lost':
          this.settle(o.chunk.id, { kind: 'lost', reason: o.reason });
          break;
        case 'probe':
          this.probes.get(o.id)?.();
          this.probes.delete(o.id);
          break;
        default: {
          const never: never = o;
          throw new Error(`unknown merge output ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /** Apply captured changes and move apply's checkpoint from the stored offset to `to`, in one transaction. */
  private async moveCheckpoint(items: readonly ApplyItem[], to: LogOffset): Promise<void> {
    const t0 = performance.now();
    await this.apply(items, { checkpoint: { consumer: this.consumer, expected: this.stored, next: to } }, 'stream');
    this.applyMs.stream += performance.now() - t0;
    this.stored = to;
    this.storedAt = performance.now();
  }

  /** One applier call, retried with backoff while the error says a retry can help; a span and metrics per batch. */
  private apply(items: readonly ApplyItem[], options: ApplyBatchOptions, kind: 'stream' | 'chunk'): Promise<ApplyBatchResult> {
    return withSpan('siphon.apply.batch', { 'siphon.apply.kind': kind, 'siphon.apply.changes': items.length }, async (span) => {
      const retries = this.options.retries ?? 5;
      const t0 = performance.now();
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await this.options.applier.apply(items, options);
          this.metrics.batches.inc({ kind, result: attempt > 1 ? 'retried' : 'ok' });
          this.metrics.duration.observe({ kind }, (performance.now() - t0) / 1000);
          countApplied(this.metrics, result);
          span?.setAttributes({ 'siphon.apply.attempts': attempt, 'siphon.apply.written': result.written, 'siphon.apply.quarantined': result.quarantined });
          return result;
        } catch (e) {
          if (attempt >= retries || !isRetryable(e)) { this.metrics.batches.inc({ kind, result: 'failed' }); throw e; }
          await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
        }
      }
    });
  }

  private readonly metrics = applyMetrics();

  private settle(id: string, o: ChunkOutcome): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    w?.(o);
  }

  private failWaiters(reason: string): void {
    for (const id of [...this.waiting.keys()]) this.abandon(id, reason);
  }
}
