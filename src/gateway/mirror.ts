import { BodyCapture, capturedResponse } from './capture.js';
import type { CapturedResponse, DiffSink, Exchange, HeaderMap } from './exchange.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { UpstreamError } from './errors.js';
import type { ExchangeHandle, UpstreamHandler, UpstreamRequest } from './http1/upstream-exchange.js';
import type { Side } from './routing/route.js';
import type { MirrorSpan } from './request-spans.js';

export interface MirrorSettings {
  /** Copies waiting for a free slot; beyond it copies are dropped (counted). */
  readonly queueMax: number;
  /** Copies in flight at once (per target side). */
  readonly concurrency: number;
  /** Request bodies larger than this are not mirrored (counted). */
  readonly requestBodyLimit: number;
  /** Response bodies kept for the diff, per side (longer: cut, `truncated`). */
  readonly responseBodyLimit: number;
  /** Whole-copy deadline. */
  readonly timeoutMs: number;
  /**
   * Copies started per second and per process at most (0: no cap). The budget that keeps shadowing cheap under high
   * load: diffs need a steady sample, not every request; the rest are skipped and counted (`skipped_rate`). Spread
   * evenly (token bucket), never in bursts.
   */
  readonly maxPerSecond: number;
  /**
   * Event-loop utilisation (0–1) above which copies are shed (0: never). A copy costs about as much CPU as the user's
   * request itself (a second upstream call, captures, a diff): on a saturated process it would queue user requests
   * behind diffs. Above this load the share of copies admitted halves every window (down to 1%, so diffs keep a
   * sample) and grows back once the load falls below it; the rest are counted as `skipped_load`.
   */
  readonly maxLoad: number;
}

/** How often the event-loop utilisation is sampled for `maxLoad`. */
const LOAD_WINDOW_MS = 100;
/**
 * A sampling tick this late also counts as overload: a process starved of CPU by its neighbours (a shared machine)
 * shows a modest utilisation while its requests wait to be scheduled.
 */
const LAG_LIMIT_MS = 10;
const MIN_SHARE = 0.01;
/** The mirror budget may run this far ahead (ms worth of copies at once): enough for timer jitter, too little for a burst. */
const BUDGET_BURST_MS = 20;

/** Where copies go: an upstream pool of the mirror's own (`UpstreamPool`), never one the user-facing path uses. */
export interface MirrorTarget {
  request(req: UpstreamRequest, handler: UpstreamHandler): ExchangeHandle;
}

export interface MirrorTargets {
  readonly legacy: MirrorTarget;
  readonly next: MirrorTarget;
  /** Second legacy instance for noise cancellation. */
  readonly legacy2?: MirrorTarget;
}

export interface MirrorJob {
  readonly routeId: string;
  readonly endpoint: string;
  readonly method: string;
  readonly url: string;
  /** Headers for the copy (already with the child-span traceparent and the dry-run marker when needed). */
  readonly headers: string[];
  /** The client's request headers, for the exchange. */
  readonly requestHeaders: HeaderMap;
  readonly body?: Buffer;
  readonly primarySide: Side;
  /** Resolves when the user's answer is complete (bounded capture). */
  readonly primary: Promise<CapturedResponse>;
  readonly traceId: string;
  readonly at: number;
  /** The copy's span when tracing is on (ended with the copy's outcome). */
  readonly span?: MirrorSpan | undefined;
}

/**
 * Fire-and-forget copies of user requests to the side that did not answer (and legacy2), with their own pools and
 * deadline, a bounded queue and bounded concurrency: a slow, hanging or dead side costs at most `concurrency`
 * sockets and `queueMax` queued copies, never a user request. Exchanges go to the diff sink in `setImmediate`.
 */
export class Mirror {
  readonly #queue: MirrorJob[] = [];
  /** Token bucket of the per-second budget: refilled continuously, holding at most BUDGET_BURST_MS worth. */
  #tokens = -1;
  #refilledAt = 0;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  /** Share of copies admitted under `maxLoad` (1: all), and the credit that spreads admissions evenly. */
  #share = 1;
  #credit = 0;
  #loadTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: MirrorSettings,
    private readonly targets: MirrorTargets,
    private readonly sink: DiffSink,
    private readonly metrics: GatewayMetrics,
  ) {
    if (settings.maxLoad > 0) {
      let last = performance.eventLoopUtilization();
      let due = performance.now() + LOAD_WINDOW_MS;
      this.#loadTimer = setInterval(() => {
        const now = performance.eventLoopUtilization();
        const t = performance.now();
        this.observeLoad(performance.eventLoopUtilization(now, last).utilization, t - due);
        last = now;
        due = t + LOAD_WINDOW_MS;
      }, LOAD_WINDOW_MS).unref();
    }
  }

  /** Share of copies currently admitted by the load limit (1: all). */
  get share(): number { return this.#share; }

  /**
   * One load sample: the event-loop utilisation of the last window and how late its sampling tick ran. Above
   * `maxLoad` (or more than 10 ms late) the admitted share halves; otherwise it grows back.
   */
  observeLoad(utilization: number, lagMs = 0): void {
    const max = this.settings.maxLoad;
    if (max <= 0) return;
    if (utilization > max || lagMs > LAG_LIMIT_MS) this.#share = Math.max(MIN_SHARE, this.#share / 2);
    else if (this.#share < 1) this.#share = Math.min(1, this.#share * 1.25 + 0.01);
  }

  /** Stops the load sampling (the gateway is closing). */
  close(): void { clearInterval(this.#loadTimer); }

  /** Whether the per-second budget and the load limit allow one more copy (counted as `skipped_rate`/`skipped_load`). */
  admit(routeId: string): boolean {
    const max = this.settings.maxPerSecond;
    if (max > 0) {
      // Evenly spread, not "the first N of each second": a per-second window sent its whole budget in a burst at the
      // start of every second, and that burst of copies was the gateway's p99 (measured: 3x the p99 without copies).
      const now = performance.now();
      const burst = Math.max(1, (max * BUDGET_BURST_MS) / 1000);
      this.#tokens = this.#tokens < 0 ? burst : Math.min(burst, this.#tokens + ((now - this.#refilledAt) * max) / 1000);
      this.#refilledAt = now;
      if (this.#tokens < 1) { this.metrics.mirrored(routeId, 'skipped_rate'); return false; }
      this.#tokens -= 1;
    }
    if (this.#share < 1) {
      // evenly spread: with share 0.25 every fourth copy goes, not the first quarter of a burst
      this.#credit += this.#share;
      if (this.#credit < 1) { this.metrics.mirrored(routeId, 'skipped_load'); return false; }
      this.#credit -= 1;
    }
    return true;
  }

  /** Queues a copy; false (and counted) when the queue is full. */
  offer(job: MirrorJob): boolean {
    if (this.#inFlight < this.settings.concurrency) { this.#start(job); return true; }
    if (this.#queue.length >= this.settings.queueMax) {
      this.metrics.mirrored(job.routeId, 'dropped_queue_full');
      job.span?.end('dropped_queue_full');
      return false;
    }
    this.#queue.push(job);
    return true;
  }

  get pending(): number { return this.#inFlight + this.#queue.length; }

  /** Resolves when no copy is queued or in flight, or after `ms`. */
  drain(ms: number): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#idle.push(() => { clearTimeout(t); resolve(); });
    });
  }

  #start(job: MirrorJob): void {
    this.#inFlight++;
    const other: Side = job.primarySide === 'legacy' ? 'next' : 'legacy';
    const first = this.#send(job, this.targets[other], other);
    const copies: Promise<(CapturedResponse | undefined)[]> = this.targets.legacy2
      ? Promise.all([first, this.#send(job, this.targets.legacy2, 'legacy')])
      : first.then((a) => [a, undefined]);
    void copies.then(async ([otherAnswer, legacy2]) => {
      this.#inFlight--;
      job.span?.end(otherAnswer!.error ? 'failed' : 'sent', otherAnswer!.status);
      this.#pump();
      const primary = await job.primary;
      const exchange: Exchange = {
        routeId: job.routeId, endpoint: job.endpoint,
        request: { method: job.method, url: job.url, headers: job.requestHeaders, ...(job.body ? { body: job.body } : {}) },
        legacy: other === 'legacy' ? otherAnswer! : primary,
        next: other === 'next' ? otherAnswer! : primary,
        ...(legacy2 ? { legacy2 } : {}),
        traceId: job.traceId, at: job.at,
      };
      // handed over on a later turn, in batches: one immediate for all the exchanges completed in this turn
      this.#ready.push(exchange);
      if (this.#ready.length === 1) setImmediate(this.#handOver);
    });
  }

  readonly #ready: Exchange[] = [];
  readonly #handOver = (): void => {
    const batch = this.#ready.splice(0);
    for (const exchange of batch) {
      this.metrics.exchanged(exchange.routeId);
      try { this.sink.accept(exchange); } catch { /* a sink must not throw; never let it reach the proxy */ }
    }
  };

  #pump(): void {
    while (this.#inFlight < this.settings.concurrency && this.#queue.length > 0) this.#start(this.#queue.shift()!);
    if (this.pending === 0 && this.#idle.length > 0) { const w = this.#idle; this.#idle = []; w.forEach((f) => f()); }
  }

  #send(job: MirrorJob, pool: MirrorTarget, side: Side): Promise<CapturedResponse> {
    const started = performance.now();
    return new Promise((resolve) => {
      const capture = new BodyCapture(this.settings.responseBodyLimit);
      let status = 0;
      let raw: string[] = [];
      let settled = false;
      const finish = (error?: Error, timedOut = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const failed = (timedOut || (error as UpstreamError | undefined)?.isTimeout) ? 'timeout' : 'failed';
        this.metrics.mirrored(job.routeId, error ? failed : 'sent');
        this.metrics.mirrorTook(side, (performance.now() - started) / 1000);
        resolve(capturedResponse(error ? 0 : status, error ? [] : raw, capture, started, error?.message));
      };
      const timer = setTimeout(() => {
        finish(new Error(`mirror copy to ${side} timed out after ${this.settings.timeoutMs} ms`), true);
        exchange.abort();
      }, this.settings.timeoutMs);
      const handler: UpstreamHandler = {
        onHeaders: (s, _text, h) => { status = s; raw = h; },
        onData: (chunk) => { capture.add(chunk); return true; },
        onComplete: () => finish(),
        onError: (err) => finish(err),
      };
      const body = job.body;
      const exchange = pool.request({
        method: job.method, path: job.url, headers: job.headers,
        body: body ? { kind: 'length', length: body.length } : { kind: 'none' },
      }, handler);
      if (body) { exchange.write(body); exchange.end(); }
    });
  }
}
