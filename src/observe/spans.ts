import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';

/**
 * Span helpers over the OpenTelemetry API only (light: no SDK, no exporter), for the code that makes spans: the
 * gateway, apply, aspire. The SDK and the OTLP exporter are loaded by `startTracing` (tracing.ts) alone, which sets
 * the process's tracer here. With tracing off `activeTracer()` is null and callers skip spans with one comparison.
 */
let current: Tracer | null = null;

/** The tracer of this process, or null when tracing is off (the default). */
export function activeTracer(): Tracer | null {
  return current;
}

/** Set by startTracing / its shutdown. */
export function setActiveTracer(tracer: Tracer | null): void {
  current = tracer;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context of a W3C `traceparent` (a remote parent), or the root context when absent or invalid. */
export function contextFromTraceparent(header: string | undefined): Context {
  const m = header ? TRACEPARENT.exec(header.trim()) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16) & TraceFlags.SAMPLED, isRemote: true,
  });
}

/** `traceparent` naming `span` as the parent (what an upstream receives). */
export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & TraceFlags.SAMPLED) ? '01' : '00'}`;
}

export function childContext(parent: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, parent);
}

/** Ends `span` as failed with `error`'s message (or as ok). */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined && error !== null) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
  }
  span.end();
}

/**
 * Runs `work` inside a span named `name` (child of `parent`: a span or a `traceparent`), ending it with the outcome;
 * without tracing, runs `work` alone. For batch-sized work (aspire of an entity, an apply batch), not per-row loops.
 */
export async function withSpan<T>(name: string, attributes: Attributes, work: (span: Span | null) => Promise<T>,
  parent?: Span | string): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return work(null);
  const ctx = parent === undefined ? ROOT_CONTEXT : typeof parent === 'string' ? contextFromTraceparent(parent) : childContext(parent);
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, ctx);
  try {
    const out = await work(span);
    endSpan(span);
    return out;
  } catch (e) {
    endSpan(span, e);
    throw e;
  }
}

/**
 * The span of aspire (an entity migrated on first touch): the aspire code calls this around its work, with the
 * gateway request's `traceparent` when a request triggered it, so the trace shows the request waiting for it.
 */
export function aspireSpan<T>(entity: string, key: string, work: (span: Span | null) => Promise<T>, traceparent?: string): Promise<T> {
  return withSpan('siphon.aspire', { 'siphon.entity': entity, 'siphon.entity_key': key }, work, traceparent);
}

export { SpanKind, type Span, type Tracer };
