import type { Applier, ApplyBatchResult, ApplyItem } from '../apply/types.js';
import type { EventLog, LogEntry, LogOffset } from '../log/types.js';
import { SiphonError } from '../errors.js';

/**
 * Between the log and the applier: turns log entries into apply items. Without backfill it passes captured changes
 * through; the DBLog merger of src/backfill buffers chunk rows between watermarks and releases them at the high one.
 * `applied` runs after the batch's transaction committed (a chunk is marked done only then: a crash before it redoes
 * the chunk, never loses it).
 */
export interface StreamMerger {
  merge(entries: readonly LogEntry[]): { items: ApplyItem[]; applied?: () => Promise<void> };
}

/** Captured row changes as capture-origin items; DDL and watermark records carry nothing to apply. */
export const passThroughMerger: StreamMerger = {
  merge(entries) {
    const items: ApplyItem[] = [];
    for (const e of entries) if (e.record.kind === 'change') items.push({ change: e.record, origin: 'capture' });
    return { items };
  },
};

export interface ApplyLoopOptions {
  readonly log: EventLog;
  readonly applier: Applier;
  /** The checkpoint's name in next. */
  readonly consumer: string;
  readonly merger: StreamMerger;
  readonly signal: AbortSignal;
  readonly batchSize?: number;
  /** After each committed batch (progress, lag). */
  readonly onBatch?: (result: ApplyBatchResult, batch: readonly LogEntry[], checkpoint: LogOffset) => void;
  /** Attempts for an error a retry may cure (connection lost, serialization failure) before giving up. */
  readonly retries?: number;
}

const EMPTY_RESULT: ApplyBatchResult = { written: 0, deleted: 0, stale: 0, quarantined: 0, waiting: 0, byTable: {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a retry may cure the error (typed errors say so; anything else is not retried). */
export function mayRetry(e: unknown): boolean {
  if (e instanceof SiphonError) {
    const r = (e as SiphonError & { retryable?: unknown }).retryable;
    return r === true;
  }
  return false;
}

/**
 * Tails the log from apply's own checkpoint (stored in next with the rows) and applies batch after batch, moving the
 * checkpoint in the same transaction (compare-and-set). Ends when `signal` aborts, after the batch in hand is
 * committed: a clean stop is always at a checkpoint. A crash anywhere redoes at most the uncommitted batch, and the
 * versions make that repeat a no-op.
 */
export async function applyLoop(o: ApplyLoopOptions): Promise<void> {
  let cursor = await o.applier.checkpoint(o.consumer);
  const retries = o.retries ?? 5;
  for await (const batch of o.log.tail(cursor, o.signal, { batchSize: o.batchSize ?? 500 })) {
    const last = batch[batch.length - 1]!;
    const { items, applied } = o.merger.merge(batch);
    let result: ApplyBatchResult | null = null;
    for (let attempt = 0; result === null; attempt++) {
      try {
        result = await o.applier.apply(items, { checkpoint: { consumer: o.consumer, expected: cursor, next: last.offset } });
      } catch (e) {
        if (attempt >= retries || !mayRetry(e)) throw e;
        await sleep(Math.min(2000, 50 * 2 ** attempt));
        // the connection may have died after the commit: then the checkpoint already moved and the batch is done
        const stored = await o.applier.checkpoint(o.consumer).catch(() => cursor);
        if (stored === last.offset) result = EMPTY_RESULT;
      }
    }
    cursor = last.offset;
    if (applied) await applied();
    o.onBatch?.(result, batch, cursor);
  }
}
