import { Worker } from 'node:worker_threads';
import type { SourcePosition } from '../types.js';
import type { CopyPayload } from './copy.js';

/** What the append thread needs to know (see append-worker.mjs). */
export interface AppendThreadSetup {
  readonly connectionString: string;
  /** Qualified table names and the NOTIFY channel. */
  readonly entries: string;
  readonly sources: string;
  readonly channel: string;
}

/**
 * A stored batch: the transaction id and the positions of its rows, in order: `first`..`last` when consecutive
 * (the usual case), else `listed`. Both empty for a batch without rows.
 */
export interface StoredBatch {
  readonly xid: string;
  readonly first: string;
  readonly last: string;
  readonly listed: readonly string[] | null;
}

/** How many rows a stored batch holds. */
export function storedCount(b: StoredBatch): number {
  if (b.listed !== null) return b.listed.length;
  return b.first === '' ? 0 : Number(BigInt(b.last) - BigInt(b.first) + 1n);
}

/** The offsets of a stored batch's rows, in order. */
export function storedOffsets(b: StoredBatch): string[] {
  if (b.listed !== null) return b.listed.map((p) => `${b.xid}:${p}`);
  const out: string[] = [];
  if (b.first === '') return out;
  for (let p = BigInt(b.first), last = BigInt(b.last); p <= last; p++) out.push(`${b.xid}:${p}`);
  return out;
}

/** Why the thread did not store a batch: `earlier` when an earlier batch in flight failed (nothing was tried). */
export class AppendThreadFailure extends Error {
  constructor(message: string, readonly earlier: boolean, readonly code: string | null) {
    super(message);
  }
}

type Reply =
  | { id: number; ok: true; xid: string; first: string; last: string; listed: string | null }
  | { id: number; ok: false; earlier: boolean; message: string; code: string | null };

interface Waiting {
  resolve: (b: StoredBatch) => void;
  reject: (e: unknown) => void;
  /** For a batch that never went to the database (invalid input): the error to report instead of the thread's. */
  own: unknown;
}

/** The worker file sits beside this module, in the sources and in the compiled package alike. */
const WORKER_URL = new URL('./append-worker.mjs', import.meta.url);

/**
 * The caller's side of the PostgreSQL log's append thread: batches go to the thread as COPY text (the buffers are
 * transferred, not copied) and are stored in the order they were sent; each call resolves with its stored batch.
 * `chained` says the batch was sent while earlier ones were still in flight: the thread then stores it only if the
 * batch before it was stored (fail-stop, what EventLog pipelining promises).
 *
 * The thread starts on the first batch; it keeps the process alive only while batches are in flight. If it dies,
 * the batches in flight fail and the next one starts a new thread.
 */
export class AppendThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly setup: AppendThreadSetup) {}

  /** Store a batch (COPY payload, and the source position in the same transaction). */
  store(payload: CopyPayload, sourcePosition: SourcePosition | undefined, chained: boolean): Promise<StoredBatch> {
    const chunks = payload.chunks.map(ownedArrayBuffer);
    return this.send({
      type: 'append', chained, rows: payload.rows, chunks,
      source: sourcePosition?.source ?? null, position: sourcePosition?.position ?? null,
    }, null, chunks);
  }

  /**
   * A batch that fails before reaching the database (invalid record): it still takes its place in the order, so a
   * chained batch behind it is not stored either. Rejects with `error`, or with an AppendThreadFailure (earlier)
   * when a batch before it failed first.
   */
  skip(error: unknown, chained: boolean): Promise<StoredBatch> {
    return this.send({ type: 'skip', chained, reason: (error as Error)?.message ?? String(error) }, error, []);
  }

  private send(message: Record<string, unknown>, own: unknown, transfer: ArrayBuffer[]): Promise<StoredBatch> {
    const w = this.thread();
    const id = this.nextId++;
    const p = new Promise<StoredBatch>((resolve, reject) => this.waiting.set(id, { resolve, reject, own }));
    if (this.waiting.size === 1) w.ref();
    w.postMessage({ ...message, id }, transfer);
    return p;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_URL, { workerData: this.setup });
    w.on('message', (r: Reply) => this.settle(r));
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

  private settle(r: Reply): void {
    const x = this.waiting.get(r.id);
    if (!x) return;
    this.waiting.delete(r.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (r.ok) x.resolve({ xid: r.xid, first: r.first, last: r.last, listed: r.listed === null ? null : r.listed.split(',') });
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

/** The buffer's own ArrayBuffer when it spans all of it (a large Buffer.from does), else a copy: transferable. */
function ownedArrayBuffer(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return new Uint8Array(b).buffer as ArrayBuffer;
}
