import { startCanary } from '../../control/analysis/commands.js';
import { customerOf, demoPolicy, runEnded, userKeyed, verdictLine, verdictsSince } from '../canary.js';
import { startLoad } from '../load.js';
import type { DemoStep } from '../types.js';

const ROUTE = 'invoices';

/**
 * A canary stepped by the analysis, not by hand: users read their invoices through the gateway, the route goes to
 * 10 % of them on next, and every second the analysis judges next's error rate, its p99 against legacy's and the
 * share of real differences on the answers compared alongside; two passing intervals move it to 50 %, two more
 * promote it to next. Any other end (rolled back, aborted) fails the demo with the analysis' reason.
 */
export const canaryStep: DemoStep = {
  id: 'canary',
  title: 'Canary at 10 % then 50 %, stepped by the canary analysis',
  async run(ctx) {
    const live = ctx.live;
    if (!live) throw new Error('the gateway step did not run');
    await userKeyed(live, ROUTE);
    const customer = customerOf(ctx);
    // 100 reads/s: about 10 on next per 1 s interval at 10 %, 3 at least for a verdict
    const load = startLoad({ url: live.url, rate: 100, users: 200, path: (u) => `/customers/${customer(u)}/invoices` });
    const ended = (async () => {
      await startCanary({ routes: live.store, analysis: live.analysisStore }, ROUTE, demoPolicy(ROUTE), { actor: 'siphon demo', reason: 'canary of the invoice lists: 10 % → 50 % → next' });
      return runEnded(live, ROUTE);
    })();
    await ended.catch(() => undefined);
    const users = await load.stop(); // the users stop once the analysis ended the canary (or it failed)
    const run = await ended;
    const verdicts = await verdictsSince(live, ROUTE, run.startedAt);
    const reached = [...new Set(verdicts.map((v) => v.percent))];
    if (run.status === 'promoted') reached.push(100);
    ctx.story.canary = { route: ROUTE, stepsReached: reached, status: run.status };
    if (run.status !== 'promoted') throw new Error(`the canary of ${ROUTE} ended ${run.status}: ${run.lastReason ?? ''}`);
    return {
      summary: `GET /customers/:id/invoices went ${reached.join(' % → ')} % (next) in ${verdicts.length} judged intervals, promoted by the analysis`,
      details: { route: ROUTE, status: run.status, stepsReached: reached, users, verdicts: verdicts.map((v) => ({ percent: v.percent, pass: v.pass, failed: v.failed, action: v.action })) },
      lines: [
        `users: ${users.sent} reads by 200 users (statuses ${JSON.stringify(users.statuses)}, ${users.failed} without an answer)`,
        ...verdicts.map(verdictLine),
      ],
    };
  },
};
