import { Worker } from 'node:worker_threads';
import { assertNever } from '../../errors.js';
import { describeFailure, VerifyUsageError } from '../errors.js';
import { inconclusiveTable } from '../named-table.js';
import type { Settler } from '../settle.js';
import type { Throttle } from '../throttle.js';
import type { Difference, TableVerifyReport } from '../types.js';
import type { QuarantineView } from '../verify-table.js';
import type { ThreadEntry } from './thread-bundle.js';
import type { FromThread, MatchedRows, ThreadData, ThreadRequest, ToThread } from './protocol.js';
import type { VerifyTask } from './schedule.js';

/** What a table's verification asks of the main thread, wherever it runs. */
export interface TableHooks {
  readonly throttle: Throttle;
  readonly settler: Settler;
  readonly quarantined: QuarantineView;
  readonly sink?: (differences: readonly Difference[]) => Promise<void>;
  readonly onMatched?: (rows: MatchedRows) => Promise<void>;
  readonly onDifferent?: (entityKey: unknown) => void;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The main thread's side of one verify thread: starts it, sends it one task (a table or a range of one) at a time
 * and answers what it asks with that task's hooks (its messages name the task). A thread that dies ends its task
 * inconclusive (fail closed) and the slot with it; one that cannot start (its config load failed) ends the slot
 * before any task, and the other slots take the work.
 */
export class ThreadSlot {
  private readonly worker: Worker;
  private current: { name: string; resolve: (r: TableVerifyReport) => void; reject: (e: Error) => void } | null = null;
  private readonly started: Promise<boolean>;
  private gone: string | null = null;
  private readonly exited: Promise<void>;

  constructor(entry: ThreadEntry, data: ThreadData, private readonly hooks: (task: string) => TableHooks, private readonly signal?: AbortSignal) {
    // a bundle needs no loader hooks: without the process's own (`--import tsx` under tsx), every module the thread
    // imports skips a round trip to the hooks thread (most of a second at start)
    this.worker = new Worker(entry.url, { workerData: data, ...(entry.bundled ? { execArgv: [] } : {}) });
    let ready!: (ok: boolean) => void;
    this.started = new Promise<boolean>((r) => { ready = r; });
    this.worker.on('message', (m: FromThread) => {
      if (m.t === 'ready') ready(true);
      else if (m.t === 'start-failed') { this.gone = `could not start: ${m.message}`; ready(false); }
      else this.onMessage(m);
    });
    const end = (why: string) => {
      this.gone ??= why;
      ready(false);
      const c = this.current;
      this.current = null;
      c?.resolve(inconclusiveTable(c.name, `the verify thread stopped in the middle of the table: ${why}`));
    };
    this.worker.on('error', (e) => end(describeFailure(e)));
    this.exited = new Promise<void>((resolve) => this.worker.on('exit', (code) => { end(`exit code ${code}`); resolve(); }));
    // a run stopped before this thread existed stops it too (an abort event does not fire again for a late listener)
    if (signal?.aborted) this.send({ t: 'abort' });
    else signal?.addEventListener('abort', () => this.send({ t: 'abort' }), { once: true });
  }

  /** Resolves false when the thread could not start (then `why` says why). */
  ready(): Promise<boolean> { return this.started; }
  get why(): string | null { return this.gone; }

  /** One task (a table or a range of one), verified in the thread; its report (inconclusive when the thread died). */
  run(task: VerifyTask): Promise<TableVerifyReport> {
    const name = task.table;
    if (this.gone) return Promise.resolve(inconclusiveTable(name, `the verify thread is gone: ${this.gone}`));
    return new Promise((resolve, reject) => {
      this.current = { name, resolve, reject };
      this.send({ t: 'table', name, task: task.id, total: task.size, ...(task.part ? { part: task.part } : {}) });
    });
  }

  /** Ends the thread after its table; stops it outright when it does not end within `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    this.send({ t: 'close' });
    const timer = setTimeout(() => { void this.worker.terminate(); }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private send(m: ToThread): void {
    if (this.gone === null || m.t === 'close') { try { this.worker.postMessage(m); } catch { /* already gone */ } }
  }

  private onMessage(m: Exclude<FromThread, { t: 'ready' } | { t: 'start-failed' }>): void {
    switch (m.t) {
      case 'req': void this.answer(m); return;
      case 'observe': this.hooks(m.task).throttle.observe(m.readMs); return;
      case 'progress': this.hooks(m.task).onProgress?.(m.done, m.total); return;
      case 'different': this.hooks(m.task).onDifferent?.(m.entityKey); return;
      case 'done': { const c = this.current; this.current = null; c?.resolve(m.report); return; }
      case 'usage': { const c = this.current; this.current = null; c?.reject(new VerifyUsageError(m.option, m.message)); return; }
      default: assertNever(m, 'message from a verify thread');
    }
  }

  private async answer(r: ThreadRequest): Promise<void> {
    const h = this.hooks(r.task);
    try {
      let value: unknown;
      switch (r.op) {
        case 'admit': await h.throttle.admit(r.rows, this.signal); break;
        case 'settle': value = await h.settler.settle(this.signal); break;
        case 'quarantine': await h.quarantined.refresh(); value = h.quarantined.keys(); break;
        case 'differences': await h.sink?.(r.differences); break;
        case 'matched': await h.onMatched?.(r.rows); break;
        default: assertNever(r, 'request of a verify thread');
      }
      this.send({ t: 'reply', id: r.id, ok: true, value });
    } catch (e) {
      this.send({ t: 'reply', id: r.id, ok: false, message: describeFailure(e) });
    }
  }
}
