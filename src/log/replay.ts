import { LogError } from './errors.js';
import type { EventLog, LogOffset } from './types.js';
import type { Consumer } from './consumers/consumer.js';

// Consumers and consume() live in ./consumers/; re-exported here for callers written before the move.
export type { Consumer } from './consumers/consumer.js';
export { consume } from './consumers/consume.js';

export class ReplayRangeError extends LogError {
  constructor(log: string, from: string, to: string | null, reason: string) {
    super('LOG_REPLAY_RANGE', `cannot replay ${from}..${to ?? '(end)'} from ${log}: ${reason}`, { log, from, to, reason });
  }
}

export interface ReplayOptions {
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

export interface ReplayResult {
  readonly delivered: number;
  readonly first: LogOffset | null;
  readonly last: LogOffset | null;
  /** The consumer's checkpoint after the replay (null for a non-durable consumer). */
  readonly checkpoint: LogOffset | null;
}

/**
 * Re-deliver the entries from `from` to `to` (both inclusive; null `to`: up to the end as it is when the replay
 * starts) to a consumer.
 *
 * For a durable consumer this means: its checkpoint is rewound (compare-and-set) to just before `from`, the range is
 * fed to it batch by batch, and the checkpoint moves after each batch as in normal consumption. When the replay ends
 * the checkpoint is at `to`: the consumer's next normal run continues right after the replayed range. That can
 * deliver again entries it had handled before the replay (beyond `to`) — harmless for the idempotent apply — and
 * never skips one, which is what matters after rebuilding a consumer's state. A consumer running at the same time
 * makes the replay fail with CheckpointConflictError: stop it first.
 */
export async function replay(log: EventLog, consumer: Consumer, from: LogOffset | null, to: LogOffset | null, options: ReplayOptions = {}): Promise<ReplayResult> {
  const fromO = from === null ? null : log.parseOffset(from);
  const toO = to === null ? (await log.stats()).lastOffset : log.parseOffset(to);
  if (fromO !== null && toO !== null && log.compareOffsets(fromO, toO) > 0) {
    throw new ReplayRangeError(log.name, fromO, toO, '--from is after --to');
  }
  const durable = consumer.durable !== false;
  const start = fromO === null ? null : log.offsetBefore(fromO);
  let previous: LogOffset | null = null;
  if (durable) {
    previous = (await log.checkpoint(consumer.name)).offset;
    await log.commit(consumer.name, previous, start);
  }
  // After the rewind retention cannot delete the range any more; check it is all still there.
  const first = (await log.stats()).firstOffset;
  if (fromO !== null && first !== null && log.compareOffsets(first, fromO) > 0) {
    if (durable) await log.commit(consumer.name, start, previous);
    throw new ReplayRangeError(log.name, fromO, toO, `retention already deleted the entries before ${first}`);
  }
  // Stop at `to` or at the last entry that exists now, whichever is first. An entry that exists but is not visible
  // yet (PostgreSQL: an older transaction is still open) is waited for, never skipped.
  const last = (await log.stats()).lastOffset;
  const target = toO === null || last === null ? null : log.compareOffsets(toO, last) < 0 ? toO : last;
  let cursor = start;
  let delivered = 0;
  let firstDelivered: LogOffset | null = null;
  let wait = 5;
  const batchSize = options.batchSize ?? 500;
  while (target !== null && !options.signal?.aborted && (cursor === null || log.compareOffsets(cursor, target) < 0)) {
    const batch = await log.read(cursor, batchSize);
    if (batch.length === 0) {
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 200);
      continue;
    }
    wait = 5;
    const inRange = batch.filter((e) => log.compareOffsets(e.offset, target) <= 0);
    if (inRange.length === 0) break;
    await consumer.handle(inRange);
    const end = inRange[inRange.length - 1]!.offset;
    if (durable) await log.commit(consumer.name, cursor, end);
    firstDelivered ??= inRange[0]!.offset;
    delivered += inRange.length;
    cursor = end;
    if (inRange.length < batch.length) break;
  }
  return { delivered, first: firstDelivered, last: delivered > 0 ? cursor : null, checkpoint: durable ? cursor : null };
}
