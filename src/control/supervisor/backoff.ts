/**
 * Restart delays for anything restarted after a failure (a gateway cluster worker, a supervised component): the first
 * restart after `initialMs`, doubling per failure within the last `windowMs`, capped at `maxMs`. A crash loop must not
 * spin, and a component that ran well for a while starts again quickly after its next failure.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Failures older than this no longer count (ms). */
  readonly windowMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000, windowMs: 60_000 };

/** Records a failure at `now` in `failures` (pruned in place) and returns the delay before the next attempt. */
export function nextDelay(failures: number[], policy: BackoffPolicy = DEFAULT_BACKOFF, now = Date.now()): number {
  while (failures.length > 0 && now - failures[0]! > policy.windowMs) failures.shift();
  failures.push(now);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** (failures.length - 1));
}
