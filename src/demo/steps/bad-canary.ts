import { startCanary } from '../../control/analysis/commands.js';
import { customerOf, demoPolicy, putNextFaults, runEnded, userKeyed, verdictLine, verdictsSince } from '../canary.js';
import { startLoad } from '../load.js';
import type { DemoStep } from '../types.js';

const ROUTE = 'customer';
const FAULT = { renamedField: true };

/**
 * A bad canary, rolled back by the analysis by itself: next is turned bad on one route through its fault switches
 * (`PUT /_admin/faults`: `address.postalCode` answered as `zipCode`, only `GET /customers/:id` carries it), a canary of
 * that route starts straight at 50 %, and the analysis finds the wrong field on the answers it compares, interval
 * after interval, until the threshold rolls the route back to legacy — with an audit entry naming the failing check.
 * The fault is switched off again afterwards.
 */
export const badCanaryStep: DemoStep = {
  id: 'bad-canary',
  title: 'Induce a bad canary: next turned bad on one route, rolled back by the analysis',
  async run(ctx) {
    const live = ctx.live;
    if (!live) throw new Error('the gateway step did not run');
    await userKeyed(live, ROUTE);
    await putNextFaults(ctx, FAULT);
    const customer = customerOf(ctx);
    const load = startLoad({ url: live.url, rate: 60, users: 200, path: (u) => `/customers/${customer(u)}` });
    // straight at 50 %: enough of next's answers every second for each check to judge (none "no data")
    const policy = demoPolicy(ROUTE, { steps: [50], threshold: 2 });
    const ended = (async () => {
      await startCanary({ routes: live.store, analysis: live.analysisStore }, ROUTE, policy, { actor: 'siphon demo', reason: 'canary of the customer page at 50 % (next has a fault switched on)' });
      return runEnded(live, ROUTE);
    })();
    await ended.catch(() => undefined);
    const users = await load.stop();
    await putNextFaults(ctx, {}); // next as it really is for the rest of the story
    const run = await ended;
    if (run.status !== 'rolled-back') throw new Error(`the bad canary of ${ROUTE} was not rolled back by the analysis: it ended ${run.status}${run.lastReason ? ` (${run.lastReason})` : ''}`);
    const audit = (await live.store.listAudit({ limit: 20 })).items.find((a) => a.action === 'canary.rollback' && a.subject === ROUTE);
    const reason = audit?.reason ?? run.lastReason ?? '';
    const checks = [...reason.matchAll(/(\w+) failed \(/g)].map((m) => m[1]!);
    if (!audit || checks.length === 0) throw new Error(`no audit entry of the rollback naming a failed check (run: ${run.lastReason})`);
    const route = (await live.store.getRoutes()).routes.find((r) => r.id === ROUTE);
    // the check the induced fault trips (a wrong field: diff_rate) when it is among the failed ones; on a loaded
    // machine another check may fail in the same interval, and the audit reason lists them all
    ctx.story.rolledBack = { route: ROUTE, check: checks.includes('diff_rate') ? 'diff_rate' : checks[0]!, checks, reason };
    const verdicts = await verdictsSince(live, ROUTE, run.startedAt);
    return {
      summary: `rolled back to legacy by the analysis after ${verdicts.length} judged interval(s): ${checks.join(', ')} failed`,
      details: { route: ROUTE, fault: FAULT, status: run.status, checks, mode: route?.mode, users,
        audit: { id: audit.id, actor: audit.actor, action: audit.action, reason: audit.reason },
        verdicts: verdicts.map((v) => ({ percent: v.percent, pass: v.pass, failed: v.failed, action: v.action })) },
      lines: [
        `next's fault switches: ${JSON.stringify(FAULT)} (PUT /_admin/faults), canary of GET /customers/:id at 50 %`,
        ...verdicts.map(verdictLine),
        `audit #${audit.id} ${audit.actor}: ${audit.action} ${audit.subject} — ${audit.reason ?? ''}`,
        `route ${ROUTE} is ${route?.mode ?? '?'} again; fault switched off`,
      ],
    };
  },
};
