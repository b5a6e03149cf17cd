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
    /** Request line + headers (Node answers 431 beyond). */
    readonly maxHeaderSize: number;
    /** Request body (413 beyond). */
    readonly maxBodyBytes: number;
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
    /** Keep-alive idle time on both sides. */
    readonly idleMs: number;
    /** Graceful shutdown: how long in-flight requests get to finish. */
    readonly shutdownGraceMs: number;
  };
  /** Connections per upstream pool. */
  readonly connections: number;
  readonly mirror: MirrorSettings & { readonly connections: number };
  readonly sink?: DiffSink;
  readonly owner?: OwnerResolver;
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

export const DEFAULT_LIMITS: GatewaySettings['limits'] = { maxHeaderSize: 16 * 1024, maxBodyBytes: 10 * 1024 * 1024 };
export const DEFAULT_TIMEOUTS: GatewaySettings['timeouts'] = {
  upstreamHeadersMs: 30_000, upstreamBodyMs: 30_000, clientHeadersMs: 20_000, clientRequestMs: 120_000, idleMs: 5_000,
  shutdownGraceMs: 10_000,
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
