import type { Gauge } from 'prom-client';
import { liveCounter, type LiveCounter } from '../../observe/live-metrics.js';
import { gauge } from '../../observe/metrics.js';
import { createLogger, type Logger } from '../../observe/logger.js';
import type { DiffSink as DiffSinkContract, Exchange } from '../exchange.js';
import { DiffAggregator, type AggregatorOptions } from './aggregate.js';
import type { DiffReport } from './report.js';

export interface DiffSinkOptions extends AggregatorOptions {
  /** Exchanges waiting to be compared (default 1,000); when full, new ones are dropped and counted. */
  readonly queueSize?: number;
  /**
   * Milliseconds of comparison per turn of the event loop before yielding to the proxy (default 1; at least one
   * exchange per turn). A user request that arrives during a slice waits for it: the slice is what shadowing adds to
   * the gateway's tail latency, so it is kept at 1 ms (same diff throughput, more turns).
   */
  readonly sliceMs?: number;
  /** Called with the report every `persistIntervalMs` and on close, e.g. to store it in the state store. */
  readonly persist?: (report: DiffReport) => void | Promise<void>;
  readonly persistIntervalMs?: number;
  readonly logger?: Logger;
}

/** Counters are live metrics (bumped once per compared exchange, read at scrape time); the gauge is set per report. */
interface SinkMetrics {
  exchanges: LiveCounter;
  real: LiveCounter;
  differences: LiveCounter;
  dropped: LiveCounter;
  compatibility: Gauge<'route'>;
}

function sinkMetrics(): SinkMetrics {
  return {
    exchanges: liveCounter({ name: 'siphon_diff_exchanges_total', help: 'Exchanges seen by the diff, by route and outcome (identical, different, skipped)', labelNames: ['route', 'outcome'] }),
    // `different` above is raw (any difference, noise included); this one only what survives noise cancellation
    real: liveCounter({ name: 'siphon_diff_real_differences_total', help: 'Compared exchanges with a real difference after noise cancellation (judged with the noise statistics at comparison time), by route', labelNames: ['route'] }),
    differences: liveCounter({ name: 'siphon_diff_differences_total', help: 'Field differences legacy vs next (before noise cancellation), by route and kind', labelNames: ['route', 'kind'] }),
    dropped: liveCounter({ name: 'siphon_diff_queue_dropped_total', help: 'Exchanges dropped because the diff queue was full' }),
    compatibility: gauge({ name: 'siphon_diff_compatibility_ratio', help: 'Share of compared requests without a real difference (noise-cancelled), by route', labelNames: ['route'] }),
  };
}

/**
 * The gateway's comparator: `accept` only queues (never throws, never blocks a user request); comparison runs in
 * small batches on later turns of the event loop. A full queue drops the exchange and counts it.
 */
export class DiffSink implements DiffSinkContract {
  readonly aggregator: DiffAggregator;
  private readonly queue: Exchange[] = [];
  private readonly queueSize: number;
  private readonly sliceMs: number;
  private readonly metrics: SinkMetrics;
  private readonly log: Logger;
  private dropped = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: DiffSinkOptions = {}) {
    this.aggregator = new DiffAggregator(options);
    this.queueSize = options.queueSize ?? 1000;
    this.sliceMs = options.sliceMs ?? 1;
    this.metrics = sinkMetrics();
    this.log = options.logger ?? createLogger('diff');
    if (options.persist) {
      this.timer = setInterval(() => void this.persistNow(), options.persistIntervalMs ?? 10_000);
      this.timer.unref();
    }
  }

  accept(exchange: Exchange): void {
    try {
      if (this.closed || this.queue.length >= this.queueSize) {
        this.dropped++;
        this.metrics.dropped.series().value++;
        return;
      }
      this.queue.push(exchange);
      this.schedule();
    } catch {
      // never let the comparator hurt the request path
    }
  }

  /** Alias of `accept`. */
  observe(exchange: Exchange): void {
    this.accept(exchange);
  }

  /** Resolves when every queued exchange has been compared. */
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  report(): DiffReport {
    const r = this.aggregator.report(this.dropped);
    for (const ep of r.endpoints) if (ep.compatibility !== null) this.metrics.compatibility.set({ route: ep.routeId }, ep.compatibility);
    return r;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer) clearInterval(this.timer);
    await this.persistNow();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const start = performance.now();
    while (this.queue.length > 0) {
      const ex = this.queue.shift() as Exchange;
      try {
        const out = this.aggregator.observe(ex);
        const outcome = out.status !== 'compared' ? 'skipped' : out.differences.length === 0 ? 'identical' : 'different';
        this.metrics.exchanges.series(ex.routeId, outcome).value++;
        if (out.real) this.metrics.real.series(ex.routeId).value++;
        for (const d of out.differences) this.metrics.differences.series(ex.routeId, d.kind).value++;
      } catch (e) {
        this.log.warn({ err: (e as Error).message, route: ex?.routeId, traceId: ex?.traceId }, 'diff failed on an exchange');
      }
      if (performance.now() - start >= this.sliceMs) break;
    }
    if (this.queue.length > 0) this.schedule();
    else {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async persistNow(): Promise<void> {
    if (!this.options.persist) return;
    try {
      await this.options.persist(this.report());
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'persisting the diff report failed');
    }
  }
}
