import type { Database } from '../backends/types.js';
import type { OperatorPause, PauseReason, ThrottleOptions } from './types.js';

/**
 * gh-ost's throttling, for the backfill: before each chunk, `admit()` waits while
 *  - the operator paused the backfill (state store setting, another process may set it),
 *  - a heartbeat query on legacy takes longer than its bound (legacy suffers: back off),
 *  - the capture→apply lag is above its bound — but one chunk still passes every `minChunkIntervalMs`, so a table
 *    under constant writes keeps being copied (gh-ost issues 1150/761: a copy that always yields never finishes),
 *  - the rows-per-second cap is used up (token bucket over all tables).
 * The reason of the current wait is always visible (`reason()`), for `siphon status`.
 */
export interface ThrottleDeps {
  readonly legacy: Database;
  /** Capture→apply lag in seconds (null: unknown, not throttled on). */
  readonly lagSeconds: () => number | null;
  /** The operator pause (null: no pause store). */
  readonly readPause: (() => Promise<OperatorPause>) | null;
  /** Clock and sleep (tests). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = { heartbeatMaxMs: 500, heartbeatQuery: 'SELECT 1', maxLagSeconds: 30, minChunkIntervalMs: 2000, checkIntervalMs: 250 };

export class Throttle {
  private current: PauseReason | null = null;
  private lastChunkAt = Number.NEGATIVE_INFINITY;
  private tokens: number;
  private tokensAt: number;
  private pause: OperatorPause | null = null;
  private pauseReadAt = Number.NEGATIVE_INFINITY;
  private heartbeatMs = 0;
  private heartbeatAt = Number.NEGATIVE_INFINITY;
  private readonly o: Required<Omit<ThrottleOptions, 'maxRowsPerSecond'>> & { maxRowsPerSecond: number | null };
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ThrottleOptions, private readonly deps: ThrottleDeps) {
    this.o = { ...DEFAULTS, ...options, maxRowsPerSecond: options.maxRowsPerSecond ?? null };
    this.now = deps.now ?? (() => performance.now());
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.tokensAt = this.now();
    this.tokens = this.o.maxRowsPerSecond ?? 0;
  }

  /** Why chunks are held back right now (null: they are not). */
  reason(): PauseReason | null {
    return this.current;
  }

  /** Wait until a chunk may be read. `stopped()` true ends the wait early (returns false). */
  async admit(stopped: () => boolean): Promise<boolean> {
    for (;;) {
      if (stopped()) { this.current = null; return false; }
      const r = await this.check();
      this.current = r;
      if (r === null) { this.lastChunkAt = this.now(); return true; }
      await this.sleep(this.o.checkIntervalMs);
    }
  }

  /** Count rows read against the rows-per-second cap. */
  account(rows: number): void {
    if (this.o.maxRowsPerSecond === null) return;
    this.refill();
    this.tokens -= rows;
  }

  private refill(): void {
    const cap = this.o.maxRowsPerSecond;
    if (cap === null) return;
    const t = this.now();
    this.tokens = Math.min(cap, this.tokens + ((t - this.tokensAt) / 1000) * cap);
    this.tokensAt = t;
  }

  private async check(): Promise<PauseReason | null> {
    const t = this.now();
    if (this.deps.readPause && t - this.pauseReadAt >= this.o.checkIntervalMs) {
      this.pause = await this.deps.readPause();
      this.pauseReadAt = t;
    }
    if (this.pause?.paused) return { kind: 'operator', reason: this.pause.reason, since: this.pause.at };
    if (this.o.heartbeatMaxMs > 0) {
      if (t - this.heartbeatAt >= this.o.checkIntervalMs) {
        const start = performance.now();
        await this.deps.legacy.query(this.o.heartbeatQuery);
        this.heartbeatMs = performance.now() - start;
        this.heartbeatAt = t;
      }
      if (this.heartbeatMs > this.o.heartbeatMaxMs) {
        this.heartbeatAt = Number.NEGATIVE_INFINITY; // measure again on the next check, not a cached bad value
        return { kind: 'heartbeat-latency', latencyMs: Math.round(this.heartbeatMs), boundMs: this.o.heartbeatMaxMs };
      }
    }
    const lag = this.deps.lagSeconds();
    if (this.o.maxLagSeconds > 0 && lag !== null && lag > this.o.maxLagSeconds) {
      const minShare = this.o.minChunkIntervalMs > 0 && t - this.lastChunkAt >= this.o.minChunkIntervalMs;
      if (!minShare) return { kind: 'capture-lag', lagSeconds: Math.round(lag * 10) / 10, boundSeconds: this.o.maxLagSeconds };
    }
    if (this.o.maxRowsPerSecond !== null) {
      this.refill();
      if (this.tokens < 0) return { kind: 'rate-cap', rowsPerSecond: this.o.maxRowsPerSecond };
    }
    return null;
  }
}
