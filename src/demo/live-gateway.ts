/**
 * The gateway of the demo's second half (canary, bad canary, owner mode, promotion), built from the same parts as
 * `runGateway`'s process (`src/gateway/run.ts`): the proxy following the state store's route table, a diff sink
 * persisted to the store (the dashboard shows its diffs), the route-stats collector that feeds canary analysis, and
 * owner routing whose first touches call the running migration's aspirer. The canary analysis loop runs beside it,
 * as `siphon start`'s control role would. Composed here rather than through `runGateway` because the demo needs the
 * diff sink and the in-process aspirer by hand.
 */
import { startLegacyApp } from '../../examples/billing/legacy-app/start-legacy-app.js';
import type { RunningApp } from '../../examples/billing/http/server.js';
import { createAnalysis, type Analysis } from '../control/analysis/analysis.js';
import { createRouteStatsCollector } from '../control/analysis/collector.js';
import { openAnalysisStore } from '../control/analysis/store/open.js';
import type { AnalysisStore } from '../control/analysis/store/types.js';
import { DiffSink } from '../gateway/diff/diff-sink.js';
import { diffStorePersister } from '../gateway/diff/store-persist.js';
import type { GatewayAspirer } from '../gateway/owner/aspire-port.js';
import { startOwnerRouting } from '../gateway/owner/start.js';
import { followStateRoutes } from '../gateway/route-source.js';
import { createGateway, type Gateway } from '../gateway/server.js';
import { createLogger } from '../observe/logger.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import type { DemoContext } from './types.js';

/** Stats bucket of the collector: the analysis' 1 s intervals are four of them. */
export const DEMO_BUCKET_MS = 250;

export interface LiveGateway {
  readonly url: string;
  readonly gateway: Gateway;
  readonly store: StateStore;
  readonly analysisStore: AnalysisStore;
  readonly analysis: Analysis;
  /** Waits until the gateway's route table has at least this version (it follows the store every 10 ms). */
  follows(version: number): Promise<boolean>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLiveGateway(ctx: DemoContext): Promise<LiveGateway> {
  if (!ctx.legacyApp || !ctx.nextApp || !ctx.legacyDb) throw new Error('the apps are not running');
  const migration = ctx.migration;
  if (!migration?.aspirer) throw new Error('the migration (and its aspirer) is not running');
  const aspirer = migration.aspirer;
  const log = createLogger('demo.gateway');
  // the demo prints its own story, and the warnings this part logs (a canary rolled back, a quarantined customer
  // served by legacy) are that story: only errors, unless SIPHON_LOG_LEVEL asks for something else than the demo
  // command's own default (warn)
  if (!process.env.SIPHON_LOG_LEVEL || process.env.SIPHON_LOG_LEVEL === 'warn') log.level = 'error';
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => { for (const s of stops.splice(0).reverse()) await s().catch(() => undefined); };
  try {
    const store = await openStateStore(ctx.stateUrl);
    stops.push(() => store.close());
    const legacy2: RunningApp = await startLegacyApp({ db: ctx.legacyDb }); // reads only: the mirrored GETs, for noise
    stops.push(() => legacy2.close());
    // the two noise fields every billing answer carries are declared, as a config would: the canary's first
    // intervals are judged before legacy2's statistics have had samples. A deeper queue and longer slices than the
    // library defaults: this one process runs both apps, the migration and the traffic, and a comparator left behind
    // drops exchanges (the diff check would then say "no data").
    const sink = new DiffSink({ logger: log, persist: diffStorePersister(store), noise: { ignore: ['$.generatedAt', '$.requestId'] }, queueSize: 5000, sliceMs: 5 });
    stops.push(() => sink.close());
    // the migration's own aspirer, wrapped so that closing owner routing does not close it (the migration does)
    const port: GatewayAspirer = { aspire: (r) => aspirer.aspire(r), ledgerKey: (e, k) => aspirer.ledgerKey(e, k) };
    const owner = await startOwnerRouting(store, { aspirer: async () => port }, log);
    stops.push(() => owner.close());
    const gateway = createGateway({ legacy: ctx.legacyApp.url, next: ctx.nextApp.url, legacy2: legacy2.url, sink, owner: owner.router, routes: [] }, log);
    stops.push(() => gateway.close());
    const unfollow = await followStateRoutes(store, gateway, log, 10);
    stops.push(() => unfollow());
    const url = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}`;
    const analysisStore = await openAnalysisStore(ctx.stateUrl);
    stops.push(() => analysisStore.close());
    const collector = await createRouteStatsCollector({ metrics: gateway.metrics, diff: sink, store: analysisStore, bucketMs: DEMO_BUCKET_MS, logger: log });
    stops.push(() => collector.stop());
    const analysis = createAnalysis({ stores: { routes: store, analysis: analysisStore }, tickMs: 100, logger: log });
    await analysis.start();
    stops.push(() => analysis.stop());
    return {
      url, gateway, store, analysisStore, analysis, stop,
      async follows(version) {
        const deadline = Date.now() + 10_000;
        while (gateway.routeTable().version < version && Date.now() < deadline) await sleep(10);
        return gateway.routeTable().version >= version;
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
