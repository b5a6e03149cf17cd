import { activeTracer } from '../observe/spans.js';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../observe/logger.js';
import { GatewayConfigError } from './errors.js';
import { noopDiffSink } from './exchange.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { NodeHttpFrontEnd } from './fallback/node-http-server.js';
import { UndiciPool } from './fallback/undici-pool.js';
import { Http1Server, type Http1ServerOptions } from './http1/http1-server.js';
import { llhttpProblem } from './http1/llhttp.js';
import type { UpstreamPoolLike } from './http1/upstream-exchange.js';
import { UpstreamPool, type UpstreamPoolOptions } from './http1/upstream-pool.js';
import { Mirror } from './mirror.js';
import { handleRequest, type ProxyState } from './proxy.js';
import { compileRoutes, type RouteTable } from './routing/compile.js';
import type { RouteSpec } from './routing/route.js';
import { withDefaults, type GatewayOverrides, type GatewaySettings } from './settings.js';

export interface Gateway {
  /** The client-facing HTTP/1.1 server: llhttp on raw sockets, or the node:http fallback. */
  readonly server: Http1Server | NodeHttpFrontEnd;
  readonly engine: 'llhttp' | 'node-http';
  readonly settings: GatewaySettings;
  readonly metrics: GatewayMetrics;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Compiles and swaps the route table atomically; a bad table throws and the old one stays in use. */
  setRoutes(routes: readonly RouteSpec[], version: number): RouteTable;
  routeTable(): RouteTable;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), drains the mirror, closes pools. */
  close(): Promise<void>;
}

function origin(url: string, what: string): string {
  let u: URL;
  try { u = new URL(url); } catch { throw new GatewayConfigError(`not a URL: ${JSON.stringify(url)}`, what); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new GatewayConfigError(`upstream must be http:// or https://, got ${u.protocol}`, what);
  }
  if (u.pathname !== '/' || u.search) throw new GatewayConfigError('upstream must be an origin without path', what);
  return u.origin;
}

export function createGateway(overrides: GatewayOverrides, log: Logger = createLogger('gateway')): Gateway {
  const settings = withDefaults(overrides);
  const t = settings.timeouts;
  const engine = settings.engine ?? (llhttpProblem === undefined ? 'llhttp' : 'node-http');
  if (engine === 'node-http' && settings.engine === undefined) {
    log.warn({ problem: llhttpProblem, node: process.version },
      'Node\'s llhttp binding is not usable here: serving with the node:http fallback front end (slower)');
  }
  const pool = (url: string, what: string, connections: number, headersMs: number, bodyMs: number, perClientMax?: number): UpstreamPoolLike => {
    const o: UpstreamPoolOptions = {
      connections, connectTimeoutMs: Math.min(headersMs, 10_000), headersTimeoutMs: headersMs, bodyTimeoutMs: bodyMs,
      idleMs: t.idleMs, maxHeaderSize: settings.limits.maxHeaderSize * 4, perClientMax,
    };
    return engine === 'llhttp' ? new UpstreamPool(origin(url, what), o) : new UndiciPool(origin(url, what), o);
  };
  const share = settings.limits.clientShare;
  if (!(share > 0 && share <= 1)) throw new GatewayConfigError(`clientShare must be in (0, 1], got ${share}`, 'gateway.limits.clientShare');
  // one client's share of each user-facing pool (the mirror's pools carry no client key, so no limit applies there)
  const perClient = share >= 1 ? undefined : Math.max(1, Math.floor(settings.connections * share));
  const legacy = pool(settings.legacy, 'gateway.legacy', settings.connections, t.upstreamHeadersMs, t.upstreamBodyMs, perClient);
  const next = pool(settings.next, 'gateway.next', settings.connections, t.upstreamHeadersMs, t.upstreamBodyMs, perClient);
  // The mirror's own pools: a hanging side exhausts these, never the user-facing ones. A copy's deadline is the
  // mirror's own timer (one message, one metric); the pools' timeouts are only a backstop behind it.
  const m = settings.mirror;
  const backstop = m.timeoutMs * 2;
  const mirrorPools = {
    legacy: pool(settings.legacy, 'gateway.legacy', m.connections, backstop, backstop),
    next: pool(settings.next, 'gateway.next', m.connections, backstop, backstop),
    ...(settings.legacy2 ? { legacy2: pool(settings.legacy2, 'gateway.legacy2', m.connections, backstop, backstop) } : {}),
  };
  const metrics = new GatewayMetrics();
  const sink = settings.sink ?? noopDiffSink;
  const state: ProxyState = {
    settings, pools: { legacy, next }, mirror: new Mirror(m, mirrorPools, sink, metrics), metrics, log,
    tracer: settings.tracer === undefined ? activeTracer() : settings.tracer,
    table: compileRoutes(settings.routes ?? [], 0), closing: false, inFlight: 0,
  };
  metrics.routeVersion.set(0);

  // llhttp in strict mode: conflicting Content-Length/Transfer-Encoding and other smuggling forms are parse errors.
  const lim = settings.limits;
  let lastCapLog = -Infinity;
  let capRefusals = 0;
  const serverOptions: Http1ServerOptions = {
    maxHeaderSize: lim.maxHeaderSize, maxHeaderCount: lim.maxHeaderCount, headersTimeoutMs: t.clientHeadersMs,
    requestTimeoutMs: t.clientRequestMs, bodyIdleMs: t.clientBodyIdleMs, minBodyBytesPerSec: lim.minBodyBytesPerSec,
    sendTimeoutMs: t.clientSendMs, maxConnections: lim.maxClientConnections, idleMs: t.idleMs,
    onClientError: (code) => metrics.clientError(code),
    onConnectionRefused: (open) => {
      metrics.refused('connection_limit');
      capRefusals++;
      // one line when the cap is reached, then at most one every 10 s with the count (a flood must not flood the log)
      const now = performance.now();
      if (now - lastCapLog < 10_000) return;
      lastCapLog = now;
      log.warn({ open, limit: lim.maxClientConnections, refused: capRefusals },
        `client connection limit reached (${lim.maxClientConnections}, gateway.limits.maxClientConnections): new connections get 503`);
      capRefusals = 0;
    },
  };
  const listener = (req: Parameters<typeof handleRequest>[1], res: Parameters<typeof handleRequest>[2]) => handleRequest(state, req, res);
  const server = engine === 'llhttp' ? new Http1Server(serverOptions, listener) : new NodeHttpFrontEnd(serverOptions, listener);

  let closing: Promise<void> | undefined;
  return {
    server, engine, settings, metrics,
    listen: (port, host = '127.0.0.1') => server.listen(port, host),
    setRoutes(routes, version) {
      const table = compileRoutes(routes, version);
      state.table = table;
      metrics.routeVersion.set(version);
      return table;
    },
    routeTable: () => state.table,
    close() {
      closing ??= (async () => {
        state.closing = true;
        const stopped = server.stopAccepting();
        server.closeIdleConnections();
        if (state.inFlight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, t.shutdownGraceMs);
            state.onIdle = () => { clearTimeout(timer); resolve(); };
          });
        }
        server.closeAllConnections();
        await stopped;
        // Mirror copies get a short grace only: they are best effort, and a hanging side must not hold a shutdown.
        await state.mirror.drain(Math.min(m.timeoutMs, 1_000));
        state.mirror.close();
        await sink.close?.();
        for (const p of [legacy, next]) p.destroy();
        for (const p of Object.values(mirrorPools)) p.destroy();
      })();
      return closing;
    },
  };
}
