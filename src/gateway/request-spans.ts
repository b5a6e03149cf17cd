import type { Span, Tracer } from '@opentelemetry/api';
import { childContext, contextFromTraceparent, endSpan, SpanKind, traceparentOf } from '../observe/spans.js';
import type { Side } from './routing/route.js';
import type { TraceContext } from './trace.js';

/** The mirror copy's span: a child of the user request's span, ended when the copy completes or is given up. */
export interface MirrorSpan {
  readonly traceparent: string;
  end(outcome: string, status?: number): void;
}

/**
 * The spans of one proxied request when tracing is on (src/observe/tracing.ts): `siphon.gateway.request` (server,
 * child of the caller's traceparent), `siphon.gateway.upstream` (client, its child; its id is the traceparent the
 * upstream receives) and `siphon.gateway.mirror` per mirror copy (client, a child of the request span). Only built
 * when a tracer is active: with tracing off the proxy keeps its own id generation (src/gateway/trace.ts).
 */
export class RequestSpans {
  readonly trace: TraceContext;
  readonly upstreamTraceparent: string;
  readonly #request: Span;
  readonly #upstream: Span;

  constructor(private readonly tracer: Tracer, incoming: string | string[] | undefined, method: string, path: string,
    route: string, side: Side) {
    const header = Array.isArray(incoming) ? incoming[0] : incoming;
    this.#request = tracer.startSpan('siphon.gateway.request', {
      kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path, 'siphon.route': route },
    }, contextFromTraceparent(header));
    this.#upstream = tracer.startSpan('siphon.gateway.upstream', {
      kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'siphon.side': side },
    }, childContext(this.#request));
    const c = this.#request.spanContext();
    this.trace = { traceId: c.traceId, flags: (c.traceFlags & 1) ? '01' : '00' };
    this.upstreamTraceparent = traceparentOf(this.#upstream);
  }

  mirror(side: Side): MirrorSpan {
    const span = this.tracer.startSpan('siphon.gateway.mirror', {
      kind: SpanKind.CLIENT, attributes: { 'siphon.side': side },
    }, childContext(this.#request));
    return {
      traceparent: traceparentOf(span),
      end(outcome, status) {
        span.setAttribute('siphon.mirror.outcome', outcome);
        if (status) span.setAttribute('http.response.status_code', status);
        endSpan(span, outcome === 'sent' ? undefined : new Error(outcome));
      },
    };
  }

  /** Next failed and legacy answers instead (the upstream span says so). */
  fellBack(reason: string): void {
    this.#upstream.addEvent('siphon.fallback', { reason });
    this.#upstream.setAttribute('siphon.side', 'legacy');
  }

  end(status: number, side: Side, error?: Error): void {
    this.#upstream.setAttribute('http.response.status_code', status);
    endSpan(this.#upstream, error ?? (status >= 500 || status === 0 ? new Error(`status ${status}`) : undefined));
    this.#request.setAttributes({ 'http.response.status_code': status, 'siphon.side': side });
    endSpan(this.#request, error ?? (status >= 500 ? new Error(`status ${status}`) : undefined));
  }
}
