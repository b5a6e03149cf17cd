import type { LogEntry, LogOffset } from './types.js';

/**
 * A wake-up signal: appenders (same process) and engine notifications (PostgreSQL NOTIFY) call `notify`; a tailer
 * waiting for new entries wakes at once instead of at its next poll.
 */
export class Wakeup {
  private waiters = new Set<() => void>();

  notify(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  /** Resolves on notify, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) { resolve(); return; }
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

export interface PollTailOptions {
  readonly batchSize: number;
  /** First wait after an empty read; doubles up to maxDelayMs, back to min after data. */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly wakeup?: Wakeup;
}

/**
 * Tail by reading in a loop: as long as there is data, read again at once; when empty, wait (woken early by the
 * wakeup, else a short poll with backoff). Memory is bounded by one batch: the next read only happens when the
 * consumer asks for the next batch (async iteration is pull-based).
 */
export async function* pollTail(
  read: (after: LogOffset | null, limit: number) => Promise<LogEntry[]>,
  after: LogOffset | null,
  signal: AbortSignal,
  opts: PollTailOptions,
): AsyncGenerator<LogEntry[]> {
  let cursor = after;
  let delay = opts.minDelayMs;
  const wakeup = opts.wakeup ?? new Wakeup();
  while (!signal.aborted) {
    const batch = await read(cursor, opts.batchSize);
    if (signal.aborted) return;
    if (batch.length > 0) {
      cursor = batch[batch.length - 1]!.offset;
      delay = opts.minDelayMs;
      yield batch;
      continue;
    }
    await wakeup.wait(delay, signal);
    delay = Math.min(delay * 2, opts.maxDelayMs);
  }
}
