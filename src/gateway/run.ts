import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import { createLogger, type Logger } from '../observe/logger.js';
import { enableDefaultMetrics, metricsRegistry } from '../observe/metrics.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import { createAdminServer } from './admin.js';
import { DiffSink } from './diff/diff-sink.js';
import { diffStorePersister } from './diff/store-persist.js';
import { followStateRoutes } from './route-source.js';
import type { RouteSpec } from './routing/route.js';
import { createGateway, type Gateway } from './server.js';
import type { GatewayOverrides } from './settings.js';

export interface RunGatewayOptions {
  readonly gateway: GatewayOverrides;
  readonly port: number;
  readonly host: string;
  /** Admin port for /metrics and /status (absent: none; 0: any free port). */
  readonly adminPort?: number;
  readonly adminToken?: string;
  /** Where a generated admin token is written (mode 0600). */
  readonly adminTokenFile: string;
  /** State store URL to follow the route table from; absent: `staticRoutes` only. */
  readonly stateUrl?: string;
  readonly staticRoutes?: readonly RouteSpec[];
  /** Worker processes behind the one port (node:cluster); 1 = no cluster. */
  readonly workers: number;
  /** Compare mirrored exchanges (diff sink); default true. */
  readonly diff?: boolean;
}

export interface RunningGateway {
  readonly port: number;
  readonly adminPort?: number;
  stop(): Promise<void>;
}

/** Token for the admin port: given, or read from / generated into `file` (0600) on first start. */
export function adminToken(given: string | undefined, file: string, log: Logger): string {
  if (given) return given;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  log.info({ file }, 'admin token generated');
  return token;
}

/**
 * Event-loop utilisation above which a running gateway sheds mirror copies (library default: never). Half, because
 * queueing delay grows as ρ/(1−ρ): at 0.5 a request waits about one service time, at 0.75 three. Copies may use the
 * headroom below that, not push a worker into the steep part of the curve. Measured at half of Siphon's maximum rate
 * (docs/AREAS/gateway.md, "Mirror load shedding"): p99 with copies was 0.85× the legacy-mode p99 at 0.5 (noise), 1.69× at 0.75.
 */
export const RUN_MIRROR_MAX_LOAD = 0.5;

/** One gateway process: proxy + route following + diff sink (no admin port; the caller decides). */
async function startProcess(opts: RunGatewayOptions, log: Logger): Promise<{ gateway: Gateway; store?: StateStore; stop(): Promise<void> }> {
  const store = opts.stateUrl ? await openStateStore(opts.stateUrl) : undefined;
  // With a state store, diff aggregates are persisted there (every worker adds its own deltas).
  const sink = opts.diff === false ? undefined : new DiffSink({
    logger: log, ...(store ? { persist: diffStorePersister(store) } : {}),
  });
  // A running gateway sheds mirror copies above 50% event-loop load (see MirrorSettings.maxLoad) unless told otherwise.
  const mirror = { maxLoad: RUN_MIRROR_MAX_LOAD, ...opts.gateway.mirror };
  const gateway = createGateway({ ...opts.gateway, mirror, ...(sink ? { sink } : {}), routes: opts.staticRoutes ?? [] }, log);
  const unfollow = store ? await followStateRoutes(store, gateway, log) : undefined;
  await gateway.listen(opts.port, opts.host);
  let stopping: Promise<void> | undefined; // SIGTERM may reach both the CLI and the worker handler: stop once
  return {
    gateway, ...(store ? { store } : {}),
    stop: () => (stopping ??= (async () => { await unfollow?.(); await gateway.close(); await store?.close(); })()),
  };
}

/**
 * Runs the gateway until stopped: one process, or a primary that forks `workers` processes sharing the port
 * (node:cluster round-robin) and serves the admin port with the workers' metrics aggregated. SIGTERM/SIGINT stop
 * gracefully (in-flight requests finish).
 */
export async function runGateway(opts: RunGatewayOptions, log: Logger = createLogger('gateway')): Promise<RunningGateway> {
  if (opts.workers > 1 && cluster.isPrimary) return runPrimary(opts, log);
  if (cluster.isWorker) {
    AggregatorRegistry.setRegistries([metricsRegistry()]);
    new AggregatorRegistry(); // installs the worker's answer to the primary's metrics requests
    enableDefaultMetrics();
    const p = await startProcess(opts, log);
    const stop = async () => { await p.stop(); process.exit(0); };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
    // The primary is gone (killed, crashed): finish in-flight requests and leave instead of serving orphaned.
    process.once('disconnect', () => void stop());
    // Closing the server messages the primary over IPC; when the primary has already exited that write fails with
    // EPIPE, which must not crash a worker that is only shutting down.
    cluster.worker!.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_IPC_CHANNEL_CLOSED') log.debug({ error: e.message }, 'primary gone during shutdown');
      else log.error({ error: e.message }, 'cluster worker error');
    });
    return { port: opts.port, stop: p.stop };
  }
  enableDefaultMetrics();
  const p = await startProcess(opts, log);
  const port = (p.gateway.server.address() as { port: number }).port;
  const admin = opts.adminPort !== undefined ? createAdminServer({
    token: adminToken(opts.adminToken, opts.adminTokenFile, log),
    status: () => ({ routeTableVersion: p.gateway.routeTable().version, routes: p.gateway.routeTable().routes.length }),
  }) : undefined;
  const adminAddr = admin ? await admin.listen(opts.adminPort ?? 0, opts.host) : undefined;
  log.info({ port, adminPort: adminAddr?.port }, 'gateway listening');
  return {
    port, ...(adminAddr ? { adminPort: adminAddr.port } : {}),
    stop: async () => { await admin?.close(); await p.stop(); },
  };
}

async function runPrimary(opts: RunGatewayOptions, log: Logger): Promise<RunningGateway> {
  const registry = new AggregatorRegistry();
  let stopping = false;
  const fork = () => {
    const w = cluster.fork();
    w.on('exit', (code) => {
      if (stopping) return;
      log.error({ worker: w.id, code }, 'gateway worker died; starting a new one');
      fork();
    });
    return w;
  };
  const workers = Array.from({ length: opts.workers }, fork);
  await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
    w.once('listening', () => resolve());
    w.once('exit', (code) => reject(new Error(`gateway worker ${w.id} exited with code ${code} before listening`)));
  })));
  const admin = opts.adminPort !== undefined ? createAdminServer({
    token: adminToken(opts.adminToken, opts.adminTokenFile, log),
    metrics: async () => ({ contentType: registry.contentType, body: await registry.clusterMetrics() }),
    status: () => ({ workers: Object.keys(cluster.workers ?? {}).length }),
  }) : undefined;
  const adminAddr = admin ? await admin.listen(opts.adminPort ?? 0, opts.host) : undefined;
  log.info({ port: opts.port, workers: opts.workers, adminPort: adminAddr?.port }, 'gateway cluster listening');
  return {
    port: opts.port, ...(adminAddr ? { adminPort: adminAddr.port } : {}),
    stop: async () => {
      stopping = true;
      await admin?.close();
      await Promise.all(Object.values(cluster.workers ?? {}).map((w) => new Promise<void>((r) => {
        if (!w || w.isDead()) { r(); return; }
        w.once('exit', () => r());
        w.process.kill('SIGTERM');
      })));
    },
  };
}
