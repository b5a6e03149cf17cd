import { runTraffic } from '../../../examples/billing/traffic/run-traffic.js';
import { gatewayRouteCheck } from '../../gateway/control.js';
import { setRoute } from '../../routes/control.js';
import type { DemoStep } from '../types.js';
import { DEMO_ACTOR } from './migrate.js';

/** The billing reads the migration took over. */
export const MIGRATED_ROUTES = ['customer', 'invoices', 'invoice'];

/**
 * Promotion to 100 %: once verify has proven every legacy row is in next (or quarantined with its reason), the
 * migrated read routes go to `next` (the invoice lists are already there: their canary promoted them). Then users
 * read through the gateway, answered by next — reads only: the migration is stopped, so a write (still routed to
 * legacy) would not reach next any more.
 */
export const promoteStep: DemoStep = {
  id: 'promote',
  title: 'Promote the migrated routes to next (100 %) and serve users from next',
  async run(ctx) {
    const live = ctx.live;
    if (!live) throw new Error('the gateway step did not run');
    const before = (await live.store.getRoutes()).routes;
    let version = 0;
    const changed: string[] = [];
    for (const id of MIGRATED_ROUTES) {
      const r = before.find((x) => x.id === id);
      if (!r) throw new Error(`route ${id} is missing from the route table`);
      if (r.mode === 'next') continue;
      version = (await setRoute(live.store, id, { mode: { kind: 'next' } }, { actor: DEMO_ACTOR, reason: 'verify: every legacy row is in next or quarantined with its reason' }, gatewayRouteCheck)).version;
      changed.push(`${id} (${r.mode} → next)`);
    }
    if (version > 0 && !(await live.follows(version))) throw new Error(`the gateway did not load route table v${version}`);
    const routes = (await live.store.getRoutes()).routes.filter((r) => MIGRATED_ROUTES.includes(r.id));
    const notNext = routes.filter((r) => r.mode !== 'next');
    if (notNext.length > 0) throw new Error(`routes not on next: ${notNext.map((r) => `${r.id}=${r.mode}`).join(', ')}`);
    ctx.story.promoted = routes.map((r) => r.id);
    const { customers, seed, rate } = ctx.options;
    const users = await runTraffic({ target: live.url, rate, durationS: Math.max(1, Math.min(3, ctx.options.trafficSeconds)), users: 50, seed: `${seed}:promoted`, customers, readOnly: true });
    return {
      summary: `${routes.map((r) => r.id).join(', ')} on next; ${users.completed} user reads served after the promotion (p50 ${users.latencyMs.p50} ms, p99 ${users.latencyMs.p99} ms)`,
      details: { promoted: routes.map((r) => r.id), changed, users },
      lines: [
        `promoted now: ${changed.join(', ') || '(none)'}; already on next: ${routes.filter((r) => before.find((b) => b.id === r.id)?.mode === 'next').map((r) => r.id).join(', ') || '(none)'}`,
        `users after the promotion: ${users.requests} reads, statuses ${JSON.stringify(users.statuses)}, ${users.failed} without an answer`,
      ],
    };
  },
};
