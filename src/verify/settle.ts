import type { Applier } from '../apply/types.js';
import type { EventLog } from '../log/types.js';

/**
 * "Apply has passed the position seen": a row that differs while a change for it is in flight must be compared again
 * only once apply has applied everything captured by the time the difference was seen.
 */
export interface Settler {
  /** Resolves true once apply has passed the log's head as it is now, false when it did not within the time allowed. */
  settle(signal?: AbortSignal): Promise<boolean>;
}

/** No apply to wait for (next filled by other means): a re-check is a plain second read. */
export const NO_SETTLE: Settler = { settle: async () => true };

export interface ApplyBarrierOptions {
  /** The log consumer name apply commits its checkpoint under. */
  readonly consumer: string;
  /** How long to wait for apply (default 60 s). */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
}

/** Waits until apply's checkpoint (read from next, `Applier.checkpoint`) reaches the log's last offset. */
export function applyBarrier(log: EventLog, applier: Pick<Applier, 'checkpoint'>, o: ApplyBarrierOptions): Settler {
  return {
    async settle(signal) {
      const head = (await log.stats()).lastOffset;
      if (head === null) return true;
      const deadline = Date.now() + (o.timeoutMs ?? 60_000);
      for (;;) {
        const at = await applier.checkpoint(o.consumer);
        if (at !== null && log.compareOffsets(at, head) >= 0) return true;
        if (Date.now() > deadline || signal?.aborted) return false;
        await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
      }
    },
  };
}
