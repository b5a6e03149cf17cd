/**
 * How verify spares legacy: before each chunk read it asks the throttle. The backfill's throttle fits this interface
 * (it is the one to plug in when it exists); `RateThrottle` is verify's own until then: a rows-per-second cap and a
 * latency bound on the last read (a slow read means a busy legacy: back off).
 */
export interface Throttle {
  /** Resolves when `rows` more rows may be read. */
  admit(rows: number, signal?: AbortSignal): Promise<void>;
  /** How long the last read took (ms): a read above the bound pauses the next one. */
  observe(readMs: number): void;
  /** Why reads are held back right now, or null. */
  readonly reason: string | null;
}

export interface RateThrottleOptions {
  /** Rows per second at most (0 or absent: no cap). */
  readonly maxRowsPerSec?: number;
  /** A chunk read slower than this (ms) makes the next one wait as long again (default 2000). */
  readonly slowReadMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  if (ms <= 0 || signal?.aborted) { resolve(); return; }
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

export class RateThrottle implements Throttle {
  private budgetStart = Date.now();
  private admitted = 0;
  private backoffMs = 0;
  reason: string | null = null;

  constructor(private readonly o: RateThrottleOptions = {}) {}

  async admit(rows: number, signal?: AbortSignal): Promise<void> {
    if (this.backoffMs > 0) {
      this.reason = `legacy read took ${this.backoffMs} ms (bound ${this.o.slowReadMs ?? 2000} ms)`;
      await sleep(this.backoffMs, signal);
      this.backoffMs = 0;
    }
    const cap = this.o.maxRowsPerSec ?? 0;
    if (cap > 0) {
      const due = this.budgetStart + (this.admitted / cap) * 1000;
      if (due > Date.now()) { this.reason = `rate cap ${cap} rows/s`; await sleep(due - Date.now(), signal); }
      this.admitted += rows;
      if (Date.now() - this.budgetStart > 10_000) { this.budgetStart = Date.now(); this.admitted = 0; }
    }
    this.reason = null;
  }

  observe(readMs: number): void {
    if (readMs > (this.o.slowReadMs ?? 2000)) this.backoffMs = Math.min(readMs, 30_000);
  }
}

/** What verify needs of the backfill's throttle (src/backfill/throttle.ts): the same gh-ost rules, one object. */
export interface BackfillThrottleLike {
  admit(stopped: () => boolean): Promise<boolean>;
  account(rows: number): void;
  reason(): { readonly kind: string } | null;
}

/**
 * Verify's reads held back by the backfill's throttle (heartbeat latency bound, operator pause, rows-per-second cap):
 * legacy is spared by one set of rules, whoever reads it.
 */
export function fromBackfillThrottle(t: BackfillThrottleLike): Throttle {
  return {
    async admit(rows, signal) {
      await t.admit(() => signal?.aborted === true);
      t.account(rows);
    },
    observe: () => undefined,
    get reason() { const r = t.reason(); return r ? r.kind : null; },
  };
}
