import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { setActiveTracer } from './spans.js';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry traces over OTLP/HTTP (JSON), with the official SDK. Off by default: nothing is loaded into the hot
 * paths until `startTracing` runs, and callers test `activeTracer()` for null (one comparison per request) instead of
 * going through the API's no-op tracer. Parents are passed explicitly (a span, or a W3C `traceparent`), not through a
 * context manager: the gateway already carries its trace ids per exchange, and async-hooks context tracking would
 * cost every promise of the process.
 *
 * This module loads the SDK: only `siphon start` (and tests) import it; span makers use `./spans.js`.
 *
 * Sampling: parent-based (a caller's sampled flag is obeyed), new traces kept with probability `sampleRatio`.
 */
export interface TracingOptions {
  /** OTLP/HTTP base URL (`http://collector:4318`) or the full traces URL (`…/v1/traces`). */
  readonly endpoint: string;
  /** Share of new traces recorded, 0–1 (default 1). */
  readonly sampleRatio?: number;
  readonly serviceName: string;
  /** Delay between export batches (ms, default 1000). */
  readonly exportDelayMs?: number;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Exports what is buffered and stops; `activeTracer()` is null afterwards. */
  shutdown(): Promise<void>;
}

let active: Tracing | null = null;

export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** Starts exporting spans; the process's tracer from now on (a second call replaces the first, tests). */
export function startTracing(o: TracingOptions): Tracing {
  const ratio = o.sampleRatio ?? 1;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(o.endpoint) }), {
      scheduledDelayMillis: o.exportDelayMs ?? 1000, maxQueueSize: 4096, maxExportBatchSize: 512,
    })],
  });
  const tracing: Tracing = {
    tracer: provider.getTracer('siphon'),
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (active === tracing) { active = null; setActiveTracer(null); }
      await provider.shutdown();
    },
  };
  active = tracing;
  setActiveTracer(tracing.tracer);
  return tracing;
}
