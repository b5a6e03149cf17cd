import { Worker } from 'node:worker_threads';
import { EarlierAppendFailedError, LogError, LogStorageError } from './errors.js';

/** One batch for the thread: what the worker needs and the buffers moved to it (not copied). */
export interface EncodedBatch { readonly request: Record<string, unknown>; readonly transfer?: ArrayBuffer[] }

/**
 * The caller's side of a log's append thread (postgres/pg-append-worker.mjs, sqlite/sqlite-append-worker.mjs). A
 * batch goes to the thread already checked and encoded (large buffers transferred, not copied) and is stored there
 * in the order it was sent, one transaction each; each call resolves with what the thread answered for it.
 *
 * Why a thread: capture's event loop is kept busy decoding the source; storing a batch (round trips to PostgreSQL,
 * SQLite statements and the fsync) then either waited for its turns or stopped the decoding. The thread does it
 * alongside, and the caller encodes the next batch meanwhile.
 *
 * Protocol (both workers): requests `{ id, type: 'append', chained, ... }` or `{ id, type: 'skip', chained, reason }`,
 * then `{ type: 'close' }`; answers `{ id, ok: true, result }` or `{ id, ok: false, earlier, message, code }`, in
 * request order. `chained` says the batch was sent while earlier ones were in flight: it is stored only if the
 * batch before it was (fail-stop, what LogCapabilities.pipelinedAppends promises), else answered `earlier`. A `skip`
 * is a batch that failed before reaching the thread (invalid record): it keeps its place in the order, so a chained
 * batch behind it is not stored either.
 *
 * The thread starts on the first batch and keeps the process alive only while batches are in flight. If it dies,
 * the batches in flight fail and the next one starts a new thread.
 */
export class AppendThread<R> {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting<R>>();

  /** Appends sent and not settled yet (0: the next one depends on none). */
  private inFlight = 0;

  constructor(private readonly workerUrl: URL, private readonly workerData: unknown) {}

  /**
   * The log adapters' pipelined append, one path for both: `encode` runs now, on the caller's turn (a throw — an
   * invalid record — still takes its place in the order, so a chained batch behind it is not stored either); `stored`
   * turns the thread's answer into the caller's result. Errors come out as the log's: a LogError as is, an earlier
   * batch's failure as EarlierAppendFailedError, anything else as LogStorageError.
   */
  append<T>(log: string, encode: () => EncodedBatch, stored: (result: R) => T): Promise<T> {
    const chained = this.inFlight > 0;
    this.inFlight++;
    let sent: Promise<R>;
    try {
      const { request, transfer } = encode();
      sent = this.store(request, chained, transfer);
    } catch (e) {
      sent = this.skip(e, chained);
    }
    return (async (): Promise<T> => {
      try {
        return stored(await sent);
      } catch (e) {
        if (e instanceof LogError) throw e;
        if (e instanceof AppendThreadFailure && e.earlier) throw new EarlierAppendFailedError(log, e);
        throw new LogStorageError(log, 'append', e);
      } finally {
        // before the returned promise settles, so a caller that saw it settle never chains onto it
        this.inFlight--;
      }
    })();
  }

  /** Store one batch: `request` holds what the worker needs, `transfer` the buffers moved to it. */
  store(request: Record<string, unknown>, chained: boolean, transfer: ArrayBuffer[] = []): Promise<R> {
    return this.send({ ...request, type: 'append', chained }, null, transfer);
  }

  /** A batch that failed before reaching the thread: rejects with `error` (or AppendThreadFailure, earlier). */
  skip(error: unknown, chained: boolean): Promise<R> {
    return this.send({ type: 'skip', chained, reason: (error as Error)?.message ?? String(error) }, error, []);
  }

  private send(message: Record<string, unknown>, own: unknown, transfer: ArrayBuffer[]): Promise<R> {
    const w = this.thread();
    const id = this.nextId++;
    const p = new Promise<R>((resolve, reject) => this.waiting.set(id, { resolve, reject, own }));
    if (this.waiting.size === 1) w.ref();
    w.postMessage({ ...message, id }, transfer);
    return p;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerUrl, { workerData: this.workerData });
    w.on('message', (r: Reply<R>) => this.settle(r));
    const gone = (e: Error) => {
      if (this.worker === w) this.worker = null;
      for (const [id, x] of this.waiting) { this.waiting.delete(id); x.reject(e); }
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`the append thread exited (code ${code})`)));
    w.unref();
    this.worker = w;
    return w;
  }

  private settle(r: Reply<R>): void {
    const x = this.waiting.get(r.id);
    if (!x) return;
    this.waiting.delete(r.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (r.ok) x.resolve(r.result);
    else if (x.own !== null && !r.earlier) x.reject(x.own);
    else x.reject(new AppendThreadFailure(r.message, r.earlier, r.code));
  }

  /** Ends the thread after the batches already sent (their promises settle first). */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    w.ref();
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage({ type: 'close' });
    await exited;
  }
}

/** Why the thread did not store a batch: `earlier` when an earlier batch in flight failed (nothing was tried). */
export class AppendThreadFailure extends Error {
  constructor(message: string, readonly earlier: boolean, readonly code: string | null) {
    super(message);
  }
}

type Reply<R> =
  | { id: number; ok: true; result: R }
  | { id: number; ok: false; earlier: boolean; message: string; code: string | null };

interface Waiting<R> {
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  /** For a batch that never went to the database (invalid input): the error to report instead of the thread's. */
  own: unknown;
}

/** The buffer's own ArrayBuffer when it spans all of it (a large Buffer.from does), else a copy: transferable. */
export function ownedArrayBuffer(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return new Uint8Array(b).buffer as ArrayBuffer;
}
