import type { Logger } from '../observe/logger.js';
import { BodyCapture, capturedResponse } from './capture.js';
import { BodyTooLargeError } from './errors.js';
import type { CapturedResponse } from './exchange.js';
import { PrimaryHandler, type PrimaryHooks } from './forward.js';
import type { GatewayRequest } from './http1/gateway-request.js';
import type { ClientResponse } from './http1/gateway-response.js';
import type { BodyFraming, ExchangeHandle, UpstreamPoolLike, UpstreamRequest } from './http1/upstream-exchange.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { headerMap, upstreamRequestHeaders, withTraceparent } from './headers.js';
import type { Mirror, MirrorJob } from './mirror.js';
import type { RouteHit, RouteTable } from './routing/compile.js';
import { decide, type Decision, type OwnerReason, type OwnerVerdict } from './routing/decide.js';
import { IDEMPOTENT_METHODS, type Side } from './routing/route.js';
import type { GatewaySettings } from './settings.js';
import { RequestSpans, type MirrorSpan } from './request-spans.js';
import { newSpanId, traceFrom, traceparent, type TraceContext } from './trace.js';
import type { Tracer } from '@opentelemetry/api';

/** Route label for requests no route matched (they go to legacy). */
export const UNMATCHED = '(unmatched)';
const LEGACY: Decision = { primary: 'legacy', mirror: false, dryRun: false };
const DRY_RUN = ['x-siphon-dry-run', '1'] as const;

/** What the request handler shares with the server that owns it. */
export interface ProxyState {
  readonly settings: GatewaySettings;
  readonly pools: { readonly legacy: UpstreamPoolLike; readonly next: UpstreamPoolLike };
  readonly mirror: Mirror;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** OpenTelemetry tracer when tracing is on; null (the default) keeps the hot path free of it. */
  readonly tracer: Tracer | null;
  /** The current compiled table: read once per request, swapped whole on change. */
  table: RouteTable;
  closing: boolean;
  inFlight: number;
  /** Called when inFlight drops to 0 during shutdown. */
  onIdle?: () => void;
}

const NO_BODY: BodyFraming = { kind: 'none' };
const CHUNKED: BodyFraming = { kind: 'chunked' };

export function handleRequest(state: ProxyState, req: GatewayRequest, res: ClientResponse): void {
  const started = performance.now();
  const { method, url } = req;
  // the unread body makes the connection unusable: sendText closes it
  if (url.charCodeAt(0) !== 47 /* / */) { res.sendText(400, 'request target must be a path (origin-form)\n'); return; }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const headers = req.headers;
  const input = { method, path, headers, hasBody: req.hasBody };
  const hit = state.table.match(input);
  const decision = hit ? decide(hit, input, state.settings) : LEGACY;
  if (decision.pending) { awaitOwner(state, req, res, hit!, decision, decision.pending, started); return; }
  proceed(state, req, res, hit, decision, started);
}

/**
 * An owner-mode first touch: the side is known when aspire returns or the route's budget is spent (the promise never
 * rejects). The waiting request counts as in flight (shutdown waits for it); a client that leaves meanwhile is not
 * forwarded anywhere.
 */
function awaitOwner(
  state: ProxyState, req: GatewayRequest, res: ClientResponse, hit: RouteHit, decision: Decision,
  pending: Promise<OwnerVerdict>, started: number,
): void {
  state.inFlight++;
  let gone = false;
  res.onClose(() => { gone = true; });
  void pending.then((owner) => {
    state.inFlight--;
    if (gone) { if (state.inFlight === 0 && state.closing) state.onIdle?.(); return; }
    proceed(state, req, res, hit, { primary: owner.side, mirror: decision.mirror, dryRun: decision.dryRun, owner }, started);
  });
}

function proceed(state: ProxyState, req: GatewayRequest, res: ClientResponse, hit: RouteHit | undefined, decision: Decision, started: number): void {
  const { settings, metrics } = state;
  const { method, url } = req;
  const headers = req.headers;
  const spec = hit?.route.spec;
  const routeId = spec ? spec.id : UNMATCHED;
  const modeKind = spec ? spec.mode.kind : 'legacy';

  const cl = req.contentLength;
  const chunked = req.chunked;
  const hasBody = req.hasBody;
  if (cl > settings.limits.maxBodyBytes) {
    metrics.refused('body_too_large');
    res.sendText(413, `request body of ${cl} bytes exceeds the limit of ${settings.limits.maxBodyBytes}\n`);
    return;
  }
  if (state.closing) res.shouldKeepAlive = false;

  const keyHeader = settings.limits.clientKeyHeader;
  const client = (keyHeader !== undefined ? headers[keyHeader] : undefined) ?? req.remoteAddress;
  let trace: TraceContext;
  let spans: RequestSpans | undefined;
  if (state.tracer === null) {
    trace = traceFrom(headers.traceparent);
  } else {
    const q = url.indexOf('?'); // the path again, only when tracing (the first touch of an owner route split the handler)
    spans = new RequestSpans(state.tracer, headers.traceparent, method, q < 0 ? url : url.slice(0, q), routeId, decision.primary);
    trace = spans.trace;
  }
  const upHeaders = upstreamRequestHeaders(req, { traceparent: spans ? spans.upstreamTraceparent : traceparent(trace, newSpanId()) });
  state.inFlight++;
  metrics.inFlight.value++;

  let side: Side = decision.primary;
  let capture: BodyCapture | undefined;
  let resolvePrimary: ((c: CapturedResponse) => void) | undefined;
  let mirrorBody: ((chunk: Buffer) => void) | undefined;
  let mirrorEnd: (() => void) | undefined;
  if (decision.mirror) {
    if (cl > settings.mirror.requestBodyLimit) metrics.mirrored(routeId, 'skipped_too_large');
    else if (state.mirror.admit(routeId)) {
      capture = new BodyCapture(settings.mirror.responseBodyLimit);
      const primary = new Promise<CapturedResponse>((r) => { resolvePrimary = r; });
      const job = mirrorJob(state, req, routeId, hit!.route.endpoint, decision, trace, upHeaders, primary, started, spans);
      if (!hasBody) state.mirror.offer(job);
      else {
        const body = new BodyCapture(settings.mirror.requestBodyLimit);
        mirrorBody = (chunk) => body.add(chunk);
        mirrorEnd = () => {
          if (body.truncated) { metrics.mirrored(routeId, 'skipped_too_large'); job.span?.end('skipped_too_large'); }
          else state.mirror.offer({ ...job, body: body.body() });
        };
      }
    }
  } else if (modeKind === 'shadow' || (spec?.mode.kind === 'canary' && spec.canaryShadow)) {
    metrics.mirrored(routeId, 'skipped_method');
  }

  let current: PrimaryHandler;
  const hooks: PrimaryHooks = {
    // always the same shape (a spread of an optional part built a new object shape per request)
    headers: decision.owner ? servedBy(side, decision.owner.reason) : undefined,
    failover: undefined,
    // a method, not an arrow property: tsx (esbuild keepNames) names each arrow with Object.defineProperty, per request
    done(status, err) {
      const seconds = (performance.now() - started) / 1000;
      metrics.request(routeId, modeKind, side, status, seconds);
      spans?.end(status, side, err);
      if (err instanceof BodyTooLargeError) metrics.refused('body_too_large');
      if (resolvePrimary && capture) {
        resolvePrimary(capturedResponse(status, current.rawHeaders ?? [], capture, started, err?.message));
      }
    },
  };
  const canFallBack = side === 'next' && spec?.fallback !== false && !hasBody && IDEMPOTENT_METHODS.has(method);
  if (canFallBack) {
    hooks.failover = (reason, err) => {
      metrics.fellBack(routeId, reason);
      spans?.fellBack(reason);
      state.log.warn({ route: routeId, reason, error: err?.message, traceId: trace.traceId }, 'next failed: answered from legacy');
      // The exchange records next's failure; the user's answer now comes from legacy.
      resolvePrimary?.({ status: 0, headers: {}, body: Buffer.alloc(0), truncated: false, error: `fallback: ${reason}`,
        durationMs: performance.now() - started });
      resolvePrimary = undefined;
      side = 'legacy';
      current = new PrimaryHandler(res, { done: hooks.done, ...(decision.owner ? { headers: servedBy('legacy', 'fallback') } : {}) });
      current.start(state.pools.legacy, { method, path: url, headers: upHeaders, body: NO_BODY }, client);
    };
  }
  current = new PrimaryHandler(res, hooks, capture);

  res.onClose(() => {
    if (!res.finished) current.clientGone();
    metrics.inFlight.value--;
    if (--state.inFlight === 0 && state.closing) state.onIdle?.();
  });

  const framing: BodyFraming = !hasBody ? NO_BODY : chunked ? CHUNKED : { kind: 'length', length: cl };
  const request: UpstreamRequest = { method, path: url, headers: upHeaders, body: framing };
  const pool = side === 'legacy' ? state.pools.legacy : state.pools.next;
  if (!hasBody) { current.start(pool, request, client); return; }
  // Small bodies (and the start of chunked ones) are read before an upstream connection is taken, as nginx does: a
  // client dripping its body holds its own socket, not one of the pool's connections, and a body with broken framing
  // is refused before its head ever reaches an upstream. Beyond `bodyBufferBytes` the body streams.
  const primary = current;
  const bufferLimit = settings.limits.bodyBufferBytes;
  let exchange: ExchangeHandle | undefined;
  let held: Buffer[] = [];
  let heldBytes = 0;
  const startExchange = (): boolean => {
    const ex = primary.start(pool, request, client);
    exchange = ex;
    ex.onDrain = () => req.resume();
    let ok = true;
    for (const c of held) ok = ex.write(c);
    held = [];
    return ok;
  };
  if (!chunked && cl > bufferLimit) startExchange();
  // Bodies of unknown length are counted as they stream (413 past the limit); mirrored bodies are copied on the way.
  const limit = chunked ? settings.limits.maxBodyBytes : Number.MAX_SAFE_INTEGER;
  let size = 0;
  let refused = false;
  req.pipeBody({
    data(chunk) {
      if (refused) return true;
      size += chunk.length;
      if (size > limit) { refused = true; primary.refuseRequest(new BodyTooLargeError(limit)); return true; }
      mirrorBody?.(chunk);
      if (exchange) return exchange.write(chunk);
      held.push(chunk);
      heldBytes += chunk.length;
      return heldBytes > bufferLimit ? startExchange() : true;
    },
    end() {
      if (refused) return;
      mirrorEnd?.();
      if (!exchange) startExchange();
      exchange!.end();
    },
    abort() { primary.clientGone(); },
  });
}

/** `x-siphon-served-by: next; reason=aspired`: which side answered an owner-mode request, and why. */
function servedBy(side: Side, reason: OwnerReason): readonly string[] {
  return ['x-siphon-served-by', `${side}; reason=${reason}`];
}

function mirrorJob(
  state: ProxyState, req: GatewayRequest, routeId: string, endpoint: string, decision: Decision,
  trace: TraceContext, primaryHeaders: readonly string[], primary: Promise<CapturedResponse>, started: number,
  spans: RequestSpans | undefined,
): MirrorJob {
  // The copy is a child span of the same trace: a fresh span id on the same trace id (a recorded span when tracing).
  const span: MirrorSpan | undefined = spans?.mirror(decision.primary === 'legacy' ? 'next' : 'legacy');
  const headers = withTraceparent(primaryHeaders, span ? span.traceparent : traceparent(trace, newSpanId()), decision.dryRun ? DRY_RUN : undefined);
  // `span` is always a property (undefined when tracing is off): a spread into this literal cost a slower object
  // creation on every mirrored request
  return {
    span,
    routeId, endpoint, method: req.method, url: req.url, headers, requestHeaders: headerMap(req.rawHeaders),
    primarySide: decision.primary, primary, traceId: trace.traceId, at: Date.now() - Math.round(performance.now() - started),
  };
}
