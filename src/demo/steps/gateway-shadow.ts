import { startLegacyApp } from '../../../examples/billing/legacy-app/start-legacy-app.js';
import { runTraffic, type TrafficSummary } from '../../../examples/billing/traffic/run-traffic.js';
import { rollbackRoutes, replaceRoutes } from '../../gateway/control.js';
import { DiffSink } from '../../gateway/diff/diff-sink.js';
import { diffStorePersister } from '../../gateway/diff/store-persist.js';
import type { DiffReport } from '../../gateway/diff/report.js';
import { followStateRoutes } from '../../gateway/route-source.js';
import { createGateway } from '../../gateway/server.js';
import { createLogger } from '../../observe/logger.js';
import { openStateStore } from '../../state/open.js';
import type { RouteInput } from '../../state/types.js';
import type { DemoStep } from '../types.js';

/** The fault switched on in next for this step, and the field paths it must show up as. */
export const INJECTED_FAULT = 'renamedField';
export const INJECTED_PATHS = ['$.customer.address.postalCode', '$.customer.address.zipCode'];
const NOISE_PATHS = ['$.generatedAt', '$.requestId'];
const DECLARED_NOISE = '$.generatedAt';

const SHADOWED: readonly RouteInput[] = [
  { id: 'customer', match: { methods: ['GET'], path: '/customers/:id' }, mode: 'shadow' },
  { id: 'invoices', match: { methods: ['GET'], path: '/customers/:id/invoices' }, mode: 'shadow' },
  { id: 'invoice', match: { methods: ['GET'], path: '/invoices/:num' }, mode: 'shadow' },
];
const ACTOR = 'siphon demo';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);

/**
 * The real gateway in front of legacy, its route table in the demo's state store: the billing reads are shadowed to
 * next (and to a second legacy instance, for noise cancellation), the real DiffSink compares the answers. Next runs
 * with one injected fault so the report has something to find. Then an instant rollback through the store.
 */
export const gatewayShadowStep: DemoStep = {
  id: 'gateway-shadow',
  title: 'Shadow the billing reads to next through the gateway, then roll back',
  async run(ctx) {
    if (!ctx.legacyApp || !ctx.nextApp || !ctx.legacyDb) throw new Error('the apps are not running');
    const { trafficSeconds, rate, customers, seed } = ctx.options;
    const log = createLogger('demo.gateway');
    if (!process.env.SIPHON_LOG_LEVEL) log.level = 'warn'; // the demo prints its own story
    const store = await openStateStore(ctx.stateUrl);
    ctx.onClose(() => store.close());
    const legacy2 = await startLegacyApp({ db: ctx.legacyDb }); // reads only: it gets the mirrored GETs
    ctx.onClose(() => legacy2.close());
    const next = ctx.nextApp;
    next.setFaults({ ...next.faults(), [INJECTED_FAULT]: true });
    // stored: the dashboard shows the diffs. `generatedAt` is declared noise, as a config would: a millisecond
    // timestamp, on which two legacies answering within the same millisecond agree — the statistics then take it for a
    // real difference on a fast run and for noise on a slow one. `requestId` is left to the statistics (legacy2).
    const sink = new DiffSink({ logger: log, persist: diffStorePersister(store), noise: { ignore: [DECLARED_NOISE] } });
    const gateway = createGateway({ legacy: ctx.legacyApp.url, next: next.url, legacy2: legacy2.url, sink, routes: [] }, log);
    let closed = false;
    const closeGateway = async () => { if (!closed) { closed = true; await unfollow(); await gateway.close(); } };
    const set = await replaceRoutes(store, SHADOWED, { actor: ACTOR, reason: 'shadow the billing reads to next' });
    const unfollow = await followStateRoutes(store, gateway, log, 10);
    ctx.onClose(closeGateway);
    const url = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}`;
    ctx.gatewayUrl = url;

    let traffic: TrafficSummary | { requests: number; completed: number; writes: number; reads: number } ;
    if (trafficSeconds > 0) {
      // the customers the paused backfill has copied: the others are not in next yet (the owner step pulls some)
      traffic = await runTraffic({ target: url, rate, durationS: trafficSeconds, users: 50, seed: `${seed}:gateway`, customers: Math.max(1, ctx.backfillReach ?? customers) });
    } else {
      let completed = 0;
      for (const id of ctx.sampleCustomers) for (const p of [`/customers/${id}`, `/customers/${id}/invoices`]) { await (await fetch(url + p)).arrayBuffer(); completed++; }
      traffic = { requests: completed, completed, reads: completed, writes: 0 };
    }

    // instant rollback: every route back to legacy in one store transaction; the gateway follows the store
    const rolled = await rollbackRoutes(store, { actor: ACTOR, reason: 'demo: next renames address.postalCode' });
    const deadline = Date.now() + 5000;
    while (gateway.routeTable().version !== rolled.version && Date.now() < deadline) await sleep(10);
    const liveModes = gateway.routeTable().routes.map((r) => `${r.spec.id}=${r.spec.mode.kind}`);
    const followed = gateway.routeTable().version === rolled.version;
    const audit = (await store.listAudit({ limit: 1 })).items[0];

    await closeGateway(); // drains the mirror and the diff queue
    next.setFaults({ ...next.faults(), [INJECTED_FAULT]: false }); // the later steps see next as it really is
    const report = sink.report();
    const summary = summarise(report);
    const injectedFound = INJECTED_PATHS.every((p) => summary.real.some((f) => f.path === p));
    const lines = [
      `gateway ${url}, routes v${set.version}: ${SHADOWED.map((r) => `GET ${r.match.path} shadow`).join(', ')}; legacy2 ${legacy2.url} for noise`,
      `injected difference: next runs with the "${INJECTED_FAULT}" fault (address.postalCode answered as zipCode)`,
      `traffic through the gateway: ${traffic.requests} requests (${traffic.reads} reads, ${traffic.writes} writes; writes are not shadowed and go to legacy)`,
      `compatibility: ${report.compatible}/${report.compared} shadowed requests without a real difference (${pct(report.compatibility)}), ${report.withNoise} with a legacy2 answer`,
      'real differences (endpoint → field: requests):',
      ...summary.real.slice(0, 8).map((f) => `    ${f.endpoint} → ${f.path}: ${f.differing}${INJECTED_PATHS.includes(f.path) ? '   ← the injected fault' : ''}`),
      ...(summary.real.length > 8 ? [`    … and ${summary.real.length - 8} more (--json lists them all)`] : []),
      `noise cancelled (legacy disagrees with itself): ${summary.noise.map((f) => `${f.path} (${f.reason})`).join(', ') || '(none)'}; declared noise: ${DECLARED_NOISE}`,
      'the other real differences are genuine: dirty legacy rows the mapping cleaned or quarantined, and writes not applied yet when the mirrored read ran (next follows legacy through capture and apply)',
      `rollback: routes v${rolled.version} → ${liveModes.join(', ')} (gateway ${followed ? 'followed' : 'did NOT follow'}); fault switched off again`,
      ...(audit ? [`audit #${audit.id} ${audit.at.toISOString()} ${audit.actor}: ${audit.action} ${audit.subject} — ${audit.reason ?? ''}`] : []),
    ];
    return {
      summary: `${pct(report.compatibility)} of ${report.compared} shadowed requests compatible; ${summary.real.length} real field difference(s)${injectedFound ? ', the injected one among them' : ''}; rolled back to legacy`,
      details: {
        gateway: url, injectedFault: INJECTED_FAULT, injectedPaths: INJECTED_PATHS, injectedFound, traffic,
        compared: report.compared, compatible: report.compatible, compatibility: report.compatibility, withNoise: report.withNoise,
        realDifferences: summary.real, noiseCancelled: summary.noise,
        rollback: { version: rolled.version, modes: rolled.routes.map((r) => ({ id: r.id, mode: r.mode })), gatewayFollowed: followed, liveModes },
        audit: audit ? { id: audit.id, at: audit.at.toISOString(), actor: audit.actor, action: audit.action, subject: audit.subject, reason: audit.reason, before: audit.before, after: audit.after } : null,
      },
      lines,
    };
  },
};

interface FieldLine { endpoint: string; path: string; differing: number; reason: string }

function summarise(report: DiffReport): { real: FieldLine[]; noise: FieldLine[] } {
  const real: FieldLine[] = [];
  const noise = new Map<string, FieldLine>();
  for (const ep of report.endpoints) {
    for (const f of ep.fields) {
      const line = { endpoint: ep.endpoint, path: f.path, differing: f.differing, reason: f.reason };
      if (f.real) real.push(line);
      else if (!noise.has(f.path)) noise.set(f.path, line);
    }
  }
  real.sort((a, b) => b.differing - a.differing || a.endpoint.localeCompare(b.endpoint) || a.path.localeCompare(b.path));
  // the known noise fields first, then any other cancelled field
  const ordered = [...noise.values()].sort((a, b) => Number(!NOISE_PATHS.includes(a.path)) - Number(!NOISE_PATHS.includes(b.path)));
  return { real, noise: ordered };
}
