import cluster from 'node:cluster';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { clientToken, generateToken } from '../control/admin/tokens.js';
import { DEFAULT_BACKOFF, nextDelay } from '../control/supervisor/backoff.js';
import { failWorkerStart, superviseWorkers } from '../control/supervisor/cluster.js';
// plain JavaScript read by bin/siphon.js before tsx: the one list of the V8 flags each command runs with
import { missingNodeFlags } from '../../bin/node-flags.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { enableDefaultMetrics, metricsRegistry } from '../observe/metrics.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import { createRouteStatsCollector } from '../control/analysis/collector.js';
import { openAnalysisStore } from '../control/analysis/store/open.js';
import { createAdminServer } from './admin.js';
import { answerMetricsRequests, ClusterMetrics } from './cluster-metrics.js';
import { GatewayListenError, GatewayWorkerError } from './errors.js';
import { DiffSink } from './diff/diff-sink.js';
import { diffStorePersister } from './diff/store-persist.js';
import { startOwnerRouting, type OwnerRoutingOptions } from './owner/start.js';
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
  /**
   * With a state store: publish per-route counts every bucket into `route_stats` for canary analysis (default true;
   * `bucketMs` default 1000, the config's `analysis.bucket`).
   */
  readonly routeStats?: false | { readonly bucketMs?: number };
  /** Owner mode (with a state store): ledger cache settings and the aspirer for `aspireOnFirstTouch`. */
  readonly owner?: OwnerRoutingOptions;
}

export interface RunningGateway {
  readonly port: number;
  readonly adminPort?: number;
  stop(): Promise<void>;
}

/**
 * Token for the admin port: given, or read from / generated into `file` (0600) on first start. A file that group or
 * others may read is refused (the control plane's rule, `src/control/admin/tokens.ts`).
 */
export function adminToken(given: string | undefined, file: string, log: Logger): string {
  if (given) return given;
  if (existsSync(file)) return clientToken(file);
  const token = generateToken();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
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
  // Owner routes answer from a local copy of the ledger, read whole before the gateway listens.
  const owner = store ? await startOwnerRouting(store, opts.owner, log).catch(async (e: unknown) => { await store.close(); throw e; }) : undefined;
  const gateway = createGateway({ ...opts.gateway, mirror, ...(sink ? { sink } : {}), ...(owner ? { owner: owner.router } : {}), routes: opts.staticRoutes ?? [] }, log);
  const unfollow = store ? await followStateRoutes(store, gateway, log) : undefined;
  // off the hot path: reads the live metrics and the diff report once per bucket (src/control/analysis/collector.ts)
  const stats = store && opts.routeStats !== false ? await startRouteStats(opts.stateUrl!, gateway, sink, opts.routeStats?.bucketMs, log) : undefined;
  let stopping: Promise<void> | undefined; // SIGTERM may reach both the CLI and the worker handler: stop once
  const stop = () => (stopping ??= (async () => { await unfollow?.(); await gateway.close(); await stats?.stop(); await owner?.close(); await store?.close(); })());
  // A port that cannot be taken ends the start cleanly: the route follower, timers and store would keep it alive.
  await listenOr(() => gateway.listen(opts.port, opts.host), '--port', opts.host, opts.port, stop);
  return { gateway, ...(store ? { store } : {}), stop };
}

async function startRouteStats(url: string, gateway: Gateway, sink: DiffSink | undefined, bucketMs: number | undefined, log: Logger) {
  const analysisStore = await openAnalysisStore(url);
  const collector = await createRouteStatsCollector({ metrics: gateway.metrics, store: analysisStore, logger: log,
    ...(sink ? { diff: sink } : {}), ...(bucketMs !== undefined ? { bucketMs } : {}) });
  return { stop: async () => { await collector.stop(); await analysisStore.close(); } };
}

/** Listens, or undoes what was started (`undo`) and throws a `GatewayListenError` naming the flag to change. */
async function listenOr<T>(listen: () => Promise<T>, flag: '--port' | '--admin-port', host: string, port: number,
  undo: () => Promise<void>): Promise<T> {
  try {
    return await listen();
  } catch (e) {
    await undo();
    throw new GatewayListenError(flag, host, port, e as NodeJS.ErrnoException);
  }
}

/**
 * Runs the gateway until stopped: one process, or a primary that forks `workers` processes sharing the port
 * (node:cluster round-robin) and serves the admin port with the workers' metrics aggregated. SIGTERM/SIGINT stop
 * gracefully (in-flight requests finish).
 */
export async function runGateway(opts: RunGatewayOptions, log: Logger = createLogger('gateway')): Promise<RunningGateway> {
  if (opts.workers > 1 && cluster.isPrimary) return runPrimary(opts, log);
  if (cluster.isWorker) {
    answerMetricsRequests(metricsRegistry());
    enableDefaultMetrics();
    const p = await startProcess(opts, log).catch((e: unknown) => failWorkerStart(e, 'GATEWAY_WORKER_START'));
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
  const adminAddr = admin ? await listenAdmin(admin, opts, p.stop) : undefined;
  log.info({ port, adminPort: adminAddr?.port }, 'gateway listening');
  return {
    port, ...(adminAddr ? { adminPort: adminAddr.port } : {}),
    stop: async () => { await admin?.close(); await p.stop(); },
  };
}

function listenAdmin(admin: ReturnType<typeof createAdminServer>, opts: RunGatewayOptions, undo: () => Promise<void>) {
  const port = opts.adminPort ?? 0;
  return listenOr(() => admin.listen(port, opts.host), '--admin-port', opts.host, port, undo);
}

/** Re-forks a dead worker after 0.1 s, doubling per death in the last minute up to 10 s (the shared backoff). */
export function restartDelay(deaths: number[], now = Date.now()): number {
  return nextDelay(deaths, DEFAULT_BACKOFF, now);
}

async function runPrimary(opts: RunGatewayOptions, log: Logger): Promise<RunningGateway> {
  const metrics = new ClusterMetrics();
  const workers = await superviseWorkers({
    count: opts.workers, log, what: 'gateway worker', onServing: (w) => metrics.serving(w),
    // the CLI re-executes only a one-process gateway with its flags; a cluster's workers get them here instead, so that
    // no wrapper process sits above the primary (a user's own choice of a flag wins: see missingNodeFlags)
    execArgv: [...process.execArgv, ...missingNodeFlags('gateway')],
    startError: (id, code, message) => new GatewayWorkerError(id, code ?? 'GATEWAY_WORKER_START', message),
  });
  const admin = opts.adminPort !== undefined ? createAdminServer({
    token: adminToken(opts.adminToken, opts.adminTokenFile, log),
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
    status: () => ({ workers: workers.alive() }),
  }) : undefined;
  const adminAddr = admin ? await listenAdmin(admin, opts, () => workers.stop()) : undefined;
  log.info({ port: opts.port, workers: opts.workers, adminPort: adminAddr?.port }, 'gateway cluster listening');
  return {
    port: opts.port, ...(adminAddr ? { adminPort: adminAddr.port } : {}),
    stop: async () => {
      await admin?.close();
      await workers.stop();
    },
  };
}
