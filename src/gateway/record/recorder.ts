import type { Counter } from 'prom-client';
import { counter } from '../../observe/metrics.js';
import { createLogger, type Logger } from '../../observe/logger.js';
import { Redactor, type RedactionConfig } from '../diff/redact.js';
import type { DiffSink, Exchange } from '../exchange.js';
import { encodeExchange } from './record-format.js';
import { RotatingFile, type RotationOptions } from './rotating-file.js';
import { Sampler, type Sampling } from './sampler.js';

export interface RecorderOptions extends RotationOptions {
  readonly out: string;
  readonly sampling?: Sampling;
  readonly redact?: RedactionConfig;
  /** Bodies longer than this are left out of the recording (default 256 KiB). */
  readonly maxBodyBytes?: number;
  /** Exchanges waiting to be written (default 1,000); beyond it they are dropped and counted. */
  readonly queueSize?: number;
  /** Also store next's answer (default true); replay compares against legacy's. */
  readonly includeNext?: boolean;
  readonly logger?: Logger;
}

export interface RecorderStats {
  readonly seen: number;
  readonly recorded: number;
  readonly sampledOut: number;
  readonly dropped: number;
  readonly failed: number;
  readonly rotations: number;
}

/**
 * A sink that stores sampled exchanges, redacted, as JSON lines in a size-rotated file. `accept` only queues; one
 * writer loop encodes and appends in batches, so neither the proxy nor the disk can make the other wait. Combine with
 * the diff using `teeSinks`.
 */
export class Recorder implements DiffSink {
  private readonly file: RotatingFile;
  private readonly sampler: Sampler;
  private readonly redactor: Redactor;
  private readonly queue: Exchange[] = [];
  private readonly queueSize: number;
  private readonly log: Logger;
  private readonly metric: Counter<'outcome'>;
  private writing: Promise<void> | undefined;
  private closed = false;
  private s = { seen: 0, recorded: 0, sampledOut: 0, dropped: 0, failed: 0 };

  constructor(private readonly o: RecorderOptions) {
    this.file = new RotatingFile(o.out, o);
    this.sampler = new Sampler(o.sampling);
    this.redactor = new Redactor(o.redact);
    this.queueSize = o.queueSize ?? 1000;
    this.log = o.logger ?? createLogger('record');
    this.metric = counter({ name: 'siphon_record_exchanges_total', help: 'Exchanges seen by the recorder, by outcome (recorded, sampled_out, dropped, failed)', labelNames: ['outcome'] });
  }

  /** Opens (creates) the output file now, so that a bad path fails at start rather than at the first exchange. */
  async open(): Promise<void> {
    await this.file.open();
  }

  accept(exchange: Exchange): void {
    try {
      this.s.seen++;
      if (this.closed) { this.count('dropped'); return; }
      if (!this.sampler.take(exchange.traceId)) { this.count('sampledOut'); return; }
      if (this.queue.length >= this.queueSize) { this.count('dropped'); return; }
      this.queue.push(exchange);
      this.writing ??= new Promise<void>((r) => setImmediate(r)).then(() => this.writeLoop());
    } catch {
      // never let recording hurt the request path
    }
  }

  private count(k: 'recorded' | 'sampledOut' | 'dropped' | 'failed', n = 1): void {
    this.s[k] += n;
    this.metric.inc({ outcome: k === 'sampledOut' ? 'sampled_out' : k }, n);
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, 50);
        const lines: string[] = [];
        for (const ex of batch) {
          try {
            lines.push(`${JSON.stringify(encodeExchange(ex, { redactor: this.redactor, maxBodyBytes: this.o.maxBodyBytes, includeNext: this.o.includeNext }))}\n`);
          } catch (e) {
            this.count('failed');
            this.log.warn({ err: (e as Error).message, traceId: ex.traceId }, 'could not encode an exchange');
          }
        }
        const n = lines.length;
        try {
          // one line per write keeps rotation on line boundaries; lines are small next to the file limit
          for (const line of lines) await this.file.write(line);
          this.count('recorded', n);
        } catch (e) {
          this.count('failed', n);
          this.log.error({ err: (e as Error).message, file: this.o.out }, 'writing the recording failed');
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  stats(): RecorderStats {
    return { ...this.s, rotations: this.file.rotations };
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await this.writing;
    if (this.queue.length > 0) await this.writeLoop();
    await this.file.close();
  }
}

/** One sink feeding several (e.g. the diff and the recorder); a failing sink never stops the others. */
export function teeSinks(...sinks: DiffSink[]): DiffSink {
  return {
    accept(ex) {
      for (const s of sinks) {
        try { s.accept(ex); } catch { /* sinks must not throw; isolate them anyway */ }
      }
    },
    async close() {
      await Promise.all(sinks.map((s) => s.close?.()));
    },
  };
}
