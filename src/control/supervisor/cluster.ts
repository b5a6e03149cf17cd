import cluster, { type Worker } from 'node:cluster';
import { SiphonError } from '../../errors.js';
import type { Logger } from '../../observe/logger.js';
import { DEFAULT_BACKOFF, nextDelay, type BackoffPolicy } from './backoff.js';

/**
 * Worker processes behind one port (node:cluster), supervised: forked at start (the start fails if one cannot
 * listen, with the worker's own reason), re-forked after a death with the shared backoff (backoff.ts), stopped with
 * SIGTERM (each drains). Extracted from the gateway's cluster mode so that every role runs its workers the same way.
 */
const START_FAILED = 'siphon:worker-start-failed';
interface StartFailed { readonly type: typeof START_FAILED; readonly code: string; readonly message: string }

/** Worker side: tells the primary why this worker cannot start, then exits (the IPC channel alone would keep it alive). */
export function failWorkerStart(e: unknown, fallbackCode: string): Promise<never> {
  const msg: StartFailed = e instanceof SiphonError
    ? { type: START_FAILED, code: e.code, message: e.message }
    : { type: START_FAILED, code: fallbackCode, message: (e as Error)?.message ?? String(e) };
  return new Promise<never>(() => {
    try { process.send!(msg, () => process.exit(1)); } catch { process.exit(1); } // primary already gone
  });
}

export interface WorkerSetOptions {
  readonly count: number;
  readonly log: Logger;
  /** What the workers are, for logs ("gateway worker"). */
  readonly what: string;
  /** The error a worker that could not start fails the start with. */
  readonly startError: (worker: number, code: string | undefined, message: string) => Error;
  /** Told when a worker listens (it serves from then on). */
  readonly onServing?: (w: Worker) => void;
  readonly backoff?: BackoffPolicy;
  /** Node/V8 flags the workers start with (cluster's `execArgv`); the primary's own when absent. */
  readonly execArgv?: readonly string[];
}

export interface WorkerSet {
  /** Workers alive now. */
  alive(): number;
  /** SIGTERM to every worker; resolves when all have exited. No restart after this. */
  stop(): Promise<void>;
}

/** Primary side: forks `count` workers and resolves once all listen; keeps them alive until `stop()`. */
export async function superviseWorkers(o: WorkerSetOptions): Promise<WorkerSet> {
  let stopping = false;
  let started = false;
  const deaths: number[] = [];
  if (o.execArgv) cluster.setupPrimary({ execArgv: [...o.execArgv] });
  const fork = () => {
    const w = cluster.fork();
    w.once('listening', () => o.onServing?.(w));
    // After the start, a replacement that cannot start is re-forked like any dead worker: its reason goes to the log.
    w.on('message', (m: Partial<StartFailed>) => {
      if (started && m?.type === START_FAILED) o.log.error({ worker: w.id, code: m.code, error: m.message }, `${o.what} could not start`);
    });
    w.on('exit', (code, signal) => {
      if (stopping || !started) return; // a worker failing to start fails the start (below)
      const delayMs = nextDelay(deaths, o.backoff ?? DEFAULT_BACKOFF);
      o.log.error({ worker: w.id, code, signal, restartInMs: delayMs }, `${o.what} died; starting a new one`);
      setTimeout(() => { if (!stopping) fork(); }, delayMs);
    });
    return w;
  };
  const stop = () => {
    stopping = true;
    return Promise.all(Object.values(cluster.workers ?? {}).map((w) => new Promise<void>((r) => {
      if (!w || w.isDead()) { r(); return; }
      w.once('exit', () => r());
      w.process.kill('SIGTERM');
    }))).then(() => undefined);
  };
  const workers = Array.from({ length: o.count }, fork);
  try {
    await Promise.all(workers.map((w) => workerListening(w, o.startError)));
  } catch (e) {
    await stop();
    throw e;
  }
  started = true;
  return { alive: () => Object.keys(cluster.workers ?? {}).length, stop };
}

/** Resolves when the worker listens; fails with its own start error (or its exit) if it never does. */
function workerListening(w: Worker, startError: WorkerSetOptions['startError']): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    w.once('listening', () => resolve());
    w.on('message', (m: Partial<StartFailed>) => {
      if (m?.type === START_FAILED) reject(startError(w.id, m.code, m.message ?? 'failed to start'));
    });
    w.once('exit', (code, signal) => reject(startError(w.id, undefined, `exited (${signal ?? `code ${code}`}) before listening`)));
  });
}
