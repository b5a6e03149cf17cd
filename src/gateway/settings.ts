import type { Tracer } from '@opentelemetry/api';
import type { DiffSink } from './exchange.js';
import type { MirrorSettings } from './mirror.js';
import type { OwnerResolver } from './routing/decide.js';
import type { RouteSpec } from './routing/route.js';

/** Everything a gateway process needs. Durations in milliseconds, sizes in bytes. */
export interface GatewaySettings {
  /** Upstream origins, e.g. `http://127.0.0.1:8081`. */
  readonly legacy: string;
  readonly next: string;
  /** Optional second legacy instance, mirrored to for noise cancellation. */
  readonly legacy2?: string;
  /** Initial route table (replaced by `setRoutes` / a route source). Unmatched requests go to legacy. */
  readonly routes?: readonly RouteSpec[];
  readonly limits: {
    /** Request head, every byte counted (request line, names, values, separators, line ends): 431 beyond. */
    readonly maxHeaderSize: number;
    /** Header fields in one request head: 431 beyond (101 as HAProxy's tune.http.maxhdr; Apache allows 100). */
    readonly maxHeaderCount: number;
    /** Request body (413 beyond). */
    readonly maxBodyBytes: number;
    /**
     * Request bodies up to this size (and the first this-many bytes of chunked ones) are read whole before an upstream
     * connection is taken, as nginx does: a slow uploader then holds a client socket, never an upstream connection.
     */
    readonly bodyBufferBytes: number;
    /** Request body minimum rate after the first `clientBodyIdleMs` (mod_reqtimeout's MinRate): 408 below. 0: off. */
    readonly minBodyBytesPerSec: number;
    /** Client connections open at once per process; beyond, new connections get 503 and are closed. */
    readonly maxClientConnections: number;
    /**
     * Share of an upstream pool's connections one client may hold (0–1]. Past it, its further requests wait for one of
     * its own to end (they never take another client's turn). 1: no per-client limit.
     */
    readonly clientShare: number;
    /** Header naming the client for `clientShare` (e.g. set by a trusted load balancer); absent: the peer address. */
    readonly clientKeyHeader?: string;
  };
  readonly timeouts: {
    /** Upstream: time to the response headers. */
    readonly upstreamHeadersMs: number;
    /** Upstream: longest silence while reading the response body. */
    readonly upstreamBodyMs: number;
    /** Client: time to receive the request headers (slowloris). */
    readonly clientHeadersMs: number;
    /** Client: time to receive the whole request. */
    readonly clientRequestMs: number;
    /** Client: longest silence while sending a request body (not counted while the gateway is the one not reading). */
    readonly clientBodyIdleMs: number;
    /** Client: longest time an answer may wait for the client to read (a client that never reads); then cut. */
    readonly clientSendMs: number;
    /** Keep-alive idle time on both sides. */
    readonly idleMs: number;
    /** Graceful shutdown: how long in-flight requests get to finish. */
    readonly shutdownGraceMs: number;
  };
  /** Connections per upstream pool. */
  readonly connections: number;
  readonly mirror: MirrorSettings & { readonly connections: number };
  readonly sink?: DiffSink;
  /** OpenTelemetry tracer for request, upstream and mirror spans; default: the process's (`startTracing`), else none. */
  readonly tracer?: Tracer | null;
  readonly owner?: OwnerResolver;
  /**
   * The client-facing HTTP engine: `llhttp` (raw sockets and Node's llhttp binding, the fast one) or `node-http` (the
   * fallback: node:http in front, undici behind). Absent: llhttp when this Node's binding passes its self-test.
   */
  readonly engine?: 'llhttp' | 'node-http';
  /** HS256 secret to verify JWTs used as routing keys; absent: claims are decoded without verification. */
  readonly jwtSecret?: string;
}

export type GatewayOverrides = Partial<Omit<GatewaySettings, 'limits' | 'timeouts' | 'mirror'>> & {
  readonly legacy: string;
  readonly next: string;
  readonly limits?: Partial<GatewaySettings['limits']>;
  readonly timeouts?: Partial<GatewaySettings['timeouts']>;
  readonly mirror?: Partial<GatewaySettings['mirror']>;
};

export const DEFAULT_LIMITS: GatewaySettings['limits'] = {
  maxHeaderSize: 16 * 1024, maxHeaderCount: 101, maxBodyBytes: 10 * 1024 * 1024, bodyBufferBytes: 16 * 1024,
  minBodyBytesPerSec: 500, maxClientConnections: 10_000, clientShare: 0.25,
};
export const DEFAULT_TIMEOUTS: GatewaySettings['timeouts'] = {
  upstreamHeadersMs: 30_000, upstreamBodyMs: 30_000, clientHeadersMs: 20_000, clientRequestMs: 120_000,
  clientBodyIdleMs: 10_000, clientSendMs: 30_000, idleMs: 5_000, shutdownGraceMs: 10_000,
};
/**
 * Mirror memory is bounded by (concurrency + queueMax) × (requestBodyLimit + 3 × responseBodyLimit): about 60 MB
 * with these defaults, whatever the traffic or the state of next.
 */
export const DEFAULT_MIRROR: GatewaySettings['mirror'] = {
  queueMax: 256, concurrency: 64, requestBodyLimit: 64 * 1024, responseBodyLimit: 128 * 1024, timeoutMs: 5_000,
  connections: 64, maxPerSecond: 0, maxLoad: 0,
};

export function withDefaults(o: GatewayOverrides): GatewaySettings {
  return {
    connections: 128,
    ...o,
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    timeouts: { ...DEFAULT_TIMEOUTS, ...o.timeouts },
    mirror: { ...DEFAULT_MIRROR, ...o.mirror },
  };
}
