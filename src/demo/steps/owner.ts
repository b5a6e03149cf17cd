import { setBackfillPause } from '../../backfill/pause.js';
import type { Database } from '../../backends/types.js';
import { gatewayRouteCheck } from '../../gateway/control.js';
import { setRoute } from '../../routes/control.js';
import { toPlain } from '../../values/plain.js';
import type { AuditStore } from '../../state/types.js';
import type { DemoStep } from '../types.js';
import { DEMO_ACTOR, ROOT_TABLE } from './migrate.js';

const ROUTE = 'customer';
/** Customers the demo's users open for the first time. */
const TOUCHES = 5;
/** How long a first read may wait for aspire before legacy answers it (a production budget is ~200 ms; the demo's
 * machine runs everything in one process, and the point is to see the pull land). */
const BUDGET_MS = 10_000;

/** Customer id → actor of its `entity.aspire` audit entry, for the given ids; polls until all are there or `ms` passed. */
async function aspireEntries(store: AuditStore, picked: readonly number[], ms: number): Promise<Map<number, string>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = new Map<number, string>();
    for (const a of (await store.listAudit({ action: 'entity.aspire', limit: 1000 })).items) {
      const id = Number(a.subject.replace(/^customer:/, ''));
      if (picked.includes(id)) found.set(id, a.actor);
    }
    if (found.size === picked.length || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ids = async (db: Database, table: string, col: string): Promise<number[]> =>
  (await db.query(`SELECT ${db.quoteIdent(col)} AS id FROM ${db.quoteIdent(table)}`)).map((r) => Number(toPlain(r['id'] ?? null)));

/**
 * Owner mode with aspire on first touch: the customer page is routed by who holds the customer (the ledger); a
 * customer next does not hold is pulled from legacy — all its rows, through the same chunks and apply as the backfill
 * — by the user's first read, which then waits for it (within the budget) and is answered by next. The customers
 * opened here are ones the paused backfill has not copied (checked in next before the read). Then the backfill
 * resumes and finishes (the aspired customers are already there: apply's versions make the copy a no-op for them).
 */
export const ownerStep: DemoStep = {
  id: 'owner',
  title: 'Owner mode with aspire on first touch: customers not in next pulled by their first read; then the backfill resumes',
  async run(ctx) {
    const live = ctx.live, m = ctx.migration;
    if (!live || !m || !ctx.legacyDb || !ctx.nextDb) throw new Error('the gateway and the migration must be running');
    const t = await setRoute(live.store, ROUTE, {
      mode: { kind: 'owner' },
      options: { entity: 'customer', entityKey: { from: 'param', name: 'id' }, aspireOnFirstTouch: true, aspireBudgetMs: BUDGET_MS },
    }, { actor: DEMO_ACTOR, reason: 'owner mode: next answers for the customers it holds; a first read pulls the others (aspire)' }, gatewayRouteCheck);
    if (!(await live.follows(t.version))) throw new Error(`the gateway did not load route table v${t.version}`);
    // customers in legacy that next does not hold at all (not copied by the paused backfill), spread over the range
    const inNext = new Set(await ids(ctx.nextDb, 'customers', 'id'));
    const missing = (await ids(ctx.legacyDb, ROOT_TABLE, 'CLI_ID')).filter((id) => !inNext.has(id)).sort((a, b) => a - b);
    if (missing.length === 0) throw new Error('every legacy customer is already in next: the backfill was not paused in time, nothing to show aspire on');
    const picked = Array.from({ length: Math.min(TOUCHES, missing.length) }, (_, i) => missing[Math.floor((i * missing.length) / Math.min(TOUCHES, missing.length))]!);
    const read = async (id: number) => {
      const started = performance.now();
      const r = await fetch(`${live.url}/customers/${id}`, { headers: { 'x-user-id': `owner-${id}` } });
      await r.arrayBuffer();
      return { id, status: r.status, servedBy: r.headers.get('x-siphon-served-by') ?? '(none)', ms: Math.round(performance.now() - started) };
    };
    const first = await Promise.all(picked.map(read)); // users opening their page at the same time
    // a read past the budget is answered by legacy while its aspire goes on: the pull is known by its audit entry
    // (`entity.aspire`, actor = the gateway process whose read triggered it), waited for here
    // (a customer with quarantined rows is not pulled: legacy keeps serving it, nothing to wait for)
    const expected = first.filter((f) => !/reason=quarantined/.test(f.servedBy)).map((f) => f.id);
    const pulled = await aspireEntries(live.store, expected, first.some((f) => /reason=budget/.test(f.servedBy)) ? 60_000 : 2_000);
    const second = await Promise.all(picked.map(read));
    const nowInNext = new Set(await ids(ctx.nextDb, 'customers', 'id'));
    const aspired = expected.filter((id) => pulled.get(id)?.startsWith('gateway@') && nowInNext.has(id));
    if (aspired.length === 0) throw new Error(`no first read pulled its customer into next: ${first.map((f) => `${f.id} → ${f.status} ${f.servedBy}`).join('; ')}`);
    ctx.story.aspired = aspired.length;
    // the rest of the customers: the backfill resumes from its cursor and completes
    await setBackfillPause(live.store, false, 'siphon demo: aspire shown; copy the remaining customers', new Date(), DEMO_ACTOR);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([m.backfillDone, m.failed, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('the resumed backfill did not finish within 150 s')), 150_000); })]);
    } finally { clearTimeout(timer); }
    await m.drain();
    const after = await ids(ctx.nextDb, 'customers', 'id');
    const failed = first.concat(second).filter((r) => r.status >= 500);
    return {
      summary: `${aspired.length} of ${picked.length} customers not in next were pulled by their first read (${first.filter((f) => /reason=aspired/.test(f.servedBy)).length} answered by next at once`
        + `${picked.length - expected.length > 0 ? `; ${picked.length - expected.length} with quarantined rows stay on legacy` : ''}); the backfill resumed and finished (${after.length} customers in next)`,
      details: { route: ROUTE, budgetMs: BUDGET_MS, notInNextBefore: missing.length, touched: picked, first, second, aspired: aspired.length, aspiredIds: aspired, failed: failed.length, customersInNext: after.length },
      lines: [
        `route ${ROUTE}: GET /customers/:id in owner mode (entity customer, key = the :id parameter, aspire on first touch, budget ${BUDGET_MS} ms)`,
        `${missing.length} legacy customers were not in next (backfill paused); first reads:`,
        ...first.map((f) => `    customer ${f.id}: ${f.status} in ${f.ms} ms, x-siphon-served-by: ${f.servedBy}${pulled.has(f.id) ? `; audited entity.aspire by ${pulled.get(f.id)}` : ''}`),
        `second reads: ${second.map((s) => `${s.id} ${s.servedBy}`).join('; ')}`,
        'backfill resumed (audited backfill.resume) and done',
      ],
    };
  },
};
