import type { LogRecord } from '../log/change.js';
import { captureMetrics } from './metrics.js';
import type { CaptureCounts, CaptureMethod, CaptureSink, CaptureState, CaptureStatus } from './types.js';

/** A checkpoint, or a closure computing it when the batch it covers is appended. */
export type Checkpoint = string | (() => string);

/** A batch handed to the sink, not yet settled by the runtime. */
interface InFlight {
  readonly batch: readonly LogRecord[];
  readonly checkpoint: string;
  /** Resolves (never rejects) when the write ends; then `settled`, and `error` if it failed. */
  done: Promise<void>;
  settled: boolean;
  error: Error | null;
}

const emptyCounts = (): CaptureCounts => ({ insert: 0, update: 0, delete: 0, ddl: 0, watermark: 0 });

/**
 * The part every capture source shares: a bounded buffer of records with the checkpoint that covers them, appended
 * to the sink batch by batch (one at a time, or two in flight when the sink guarantees ordered fail-stop writes, so
 * checkpoints are always stored in order), the counts and lag of what was appended, and the lifecycle (finished
 * promise, fatal failure).
 *
 * Sources call `push(record, checkpoint)` for each record (the checkpoint being the position to resume after once
 * this record is stored) and `advance(checkpoint)` when the position moves without a record. `flush()` appends what is
 * buffered; it runs by itself when the batch is full or the flush interval elapses. `afterWrite` hooks run after each
 * successful append (acknowledge a slot, prune a change table).
 */
export class CaptureRuntime {
  state: CaptureState = 'idle';
  error: Error | null = null;
  position: string | null = null;
  lagSeconds: number | null = null;
  appended = 0;
  readonly counts: Record<string, CaptureCounts> = {};
  readonly finished: Promise<void>;

  private buffer: LogRecord[] = [];
  /** The checkpoint given with each buffered record (same index), so a batch can end anywhere in the buffer. */
  private bufferCheckpoints: Checkpoint[] = [];
  /** Built only when a batch is appended: sources give a closure so a busy stream does not encode one per record. */
  private pendingCheckpoint: Checkpoint | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  /** Longest a position move without records waits before it is stored. */
  checkpointIntervalMs = 1000;
  private resolveFinished!: () => void;
  private rejectFinished!: (e: Error) => void;
  private readonly metricChanges = captureMetrics.changes();
  private readonly metricLag = captureMetrics.lagSeconds();
  private sink: CaptureSink | null = null;
  afterWrite: ((checkpoint: string) => Promise<void> | void) | null = null;

  constructor(readonly source: string, readonly method: CaptureMethod, readonly batchSize = 2000,
    readonly flushIntervalMs = 5) {
    this.finished = new Promise<void>((res, rej) => { this.resolveFinished = res; this.rejectFinished = rej; });
    // a failure nobody awaits must not crash the process as an unhandled rejection: status() reports it
    this.finished.catch(() => undefined);
  }

  begin(sink: CaptureSink): void {
    this.sink = sink;
    this.state = 'running';
  }

  /** Number of records buffered, not yet appended (sources pause their stream above a bound). */
  get buffered(): number { return this.buffer.length; }

  push(record: LogRecord, checkpoint: Checkpoint): void {
    this.buffer.push(record);
    this.bufferCheckpoints.push(checkpoint);
    this.pendingCheckpoint = checkpoint;
    if (this.buffer.length >= this.batchSize) {
      if (this.fullWaiter) this.wakeFullWaiter(); else void this.flush();
    } else if (record.kind === 'watermark') {
      // somebody waits for a watermark (a chunk, an aspire call, a drain): appended now, not after the flush interval
      void this.flush();
    } else this.schedule();
  }

  /** The position moved without a record (e.g. a commit): stored with the next append. */
  advance(checkpoint: Checkpoint): void {
    this.pendingCheckpoint = checkpoint;
    this.schedule();
  }

  /**
   * Records wait at most flushIntervalMs. A position move without records (commits of tables not captured, seen in a
   * binary log) is stored at most every checkpointIntervalMs: it only shortens a replay after a restart, and storing
   * it at the commit rate of a busy server would load the log with empty appends.
   */
  private schedule(): void {
    if (this.state !== 'running') return;
    // a record was already waiting, so a timer at most flushIntervalMs away is set: no clock read per record
    if (this.timer && this.buffer.length > 1) return;
    const delay = this.buffer.length > 0 ? this.flushIntervalMs : this.checkpointIntervalMs;
    const due = Date.now() + delay;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => { this.timer = null; void this.flush(); }, delay);
  }

  /**
   * Resolves once at most `n` records are buffered (checked after each append), or when capture fails or ends: sources
   * resume their paused input there, so decoding overlaps the remaining appends.
   */
  drainedTo(n: number): Promise<void> {
    if (this.buffer.length <= n || this.state !== 'running') return Promise.resolve();
    void this.flush();
    return new Promise<void>((resolve) => this.drainWaiters.push({ n, resolve }));
  }

  private drainWaiters: { n: number; resolve: () => void }[] = [];

  private wakeDrainWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    const done = this.state !== 'running';
    this.drainWaiters = this.drainWaiters.filter((w) => {
      if (done || this.buffer.length <= w.n) { w.resolve(); return false; }
      return true;
    });
  }

  /** Append what is buffered (resolves when it and every earlier append are stored). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  /**
   * Appends the buffer in batches of at most batchSize, each with the checkpoint of its last record, until the
   * buffer is empty. With a pipelined sink a second full batch is handed over while the first is being stored (its
   * encoding then overlaps the first one's commit); otherwise one append at a time. Batches are settled (counted,
   * afterWrite run) in order; the first failure fails the runtime, and the sink's fail-stop guarantee keeps any
   * batch handed over behind it out of the log.
   */
  private async flushOnce(): Promise<void> {
    const depth = this.sink?.pipelined ? 2 : 1;
    const inFlight: InFlight[] = [];
    let first = true;
    try {
      for (;;) {
        if (this.state === 'failed' || !this.sink) return;
        // a new batch: on the first turn whatever is pending (a position move alone included), later only records
        // (a lone position move waits for the timer), and behind another append only a full batch
        const want = inFlight.length === 0 ? (first || this.buffer.length > 0) : this.buffer.length >= this.batchSize;
        first = false;
        if (want && inFlight.length < depth) {
          const next = this.issue();
          if (next) { inFlight.push(next); continue; }
        }
        const oldest = inFlight[0];
        if (!oldest) return;
        // wait for the oldest append, or (room for another) for a full batch to hand over meanwhile
        if (inFlight.length < depth) {
          await Promise.race([oldest.done, this.batchFilled()]);
          // (a waiter left behind would swallow the push that fills the next batch: no flush would start)
          this.fullWaiter = null;
        } else await oldest.done;
        if (!oldest.settled) continue;
        inFlight.shift();
        if (oldest.error !== null) { this.fail(oldest.error); return; }
        this.position = oldest.checkpoint;
        this.account(oldest.batch);
        try {
          if (this.afterWrite) await this.afterWrite(oldest.checkpoint);
        } catch (e) {
          this.fail(e as Error);
          return;
        }
        this.wakeDrainWaiters();
      }
    } finally {
      // (after a failure: the appends still in flight reject by the sink's fail-stop; wait for them to end)
      if (inFlight.length > 0) await Promise.all(inFlight.map((f) => f.done));
    }
  }

  /** Hands the next batch to the sink; null when there is nothing new to store. */
  private issue(): InFlight | null {
    const pending = this.pendingCheckpoint;
    if (pending === null) return null;
    const whole = this.buffer.length <= this.batchSize;
    const batch = this.buffer.splice(0, this.batchSize);
    const covering = whole ? pending : this.bufferCheckpoints[batch.length - 1]!;
    this.bufferCheckpoints.splice(0, batch.length);
    const checkpoint = typeof covering === 'function' ? covering() : covering;
    if (whole) this.pendingCheckpoint = checkpoint;
    if (checkpoint === this.issuedPosition && batch.length === 0) return null;
    this.issuedPosition = checkpoint;
    const f: InFlight = { batch, checkpoint, settled: false, error: null, done: Promise.resolve() };
    let write: Promise<void>;
    try { write = this.sink!.write(batch, checkpoint); } catch (e) { write = Promise.reject(e); }
    f.done = write.then(() => { f.settled = true; }, (e: unknown) => { f.settled = true; f.error = e as Error; });
    return f;
  }

  /** The last checkpoint handed to the sink (stored or in flight). */
  private issuedPosition: string | null = null;
  private fullWaiter: (() => void) | null = null;

  /** Resolves when the buffer holds a full batch (or capture fails). */
  private batchFilled(): Promise<void> {
    if (this.buffer.length >= this.batchSize || this.state !== 'running') return Promise.resolve();
    return new Promise<void>((resolve) => { this.fullWaiter = resolve; });
  }

  private wakeFullWaiter(): void {
    const w = this.fullWaiter;
    if (w) { this.fullWaiter = null; w(); }
  }

  private account(batch: readonly LogRecord[]): void {
    const now = Date.now();
    // counted by runs of one (table, op): a batch is mostly a few long runs, so no key is built per record
    const delta = new Map<string, { table: string; op: keyof CaptureCounts; n: number }>();
    let run: { table: string; op: keyof CaptureCounts; n: number } | null = null;
    for (const r of batch) {
      const table = r.table ?? '';
      const op = r.kind === 'change' ? (r.op === 'read' ? 'insert' : r.op) : r.kind;
      if (run !== null && run.table === table && run.op === op) { run.n++; continue; }
      const k: string = `${op}\0${table}`;
      run = delta.get(k) ?? null;
      if (run) run.n++; else { run = { table, op, n: 1 }; delta.set(k, run); }
    }
    for (const { table, op, n } of delta.values()) {
      (this.counts[table] ??= emptyCounts())[op] += n;
      this.metricChanges.inc({ source: this.source, table, op }, n);
    }
    this.appended += batch.length;
    const last = batch[batch.length - 1];
    if (last) {
      this.lagSeconds = Math.max(0, (now - Date.parse(last.at)) / 1000);
      this.metricLag.set({ source: this.source }, this.lagSeconds);
    }
  }

  fail(e: Error): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.state = 'failed';
    this.error = e;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.wakeDrainWaiters();
    this.wakeFullWaiter();
    this.rejectFinished(e);
  }

  /** Final flush, then mark stopped (no-op after a failure, which already settled `finished`). */
  async end(): Promise<void> {
    if (this.state === 'running') await this.flush();
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.state === 'running' || this.state === 'idle') {
      this.state = 'stopped';
      this.resolveFinished();
    }
    this.wakeDrainWaiters();
  }

  status(lagPositions: number | null, details: Record<string, string | number | boolean | null> = {}): CaptureStatus {
    if (lagPositions !== null) captureMetrics.lagPositions().set({ source: this.source }, lagPositions);
    return {
      source: this.source, method: this.method, state: this.state, error: this.error?.message ?? null,
      position: this.position, lagSeconds: this.lagSeconds, lagPositions, counts: structuredClone(this.counts),
      appended: this.appended, details,
    };
  }
}
