import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisView } from '../../src/control/admin/analysis-view.js';
import { mountDashboard } from '../../src/control/admin/dashboard.js';
import { DEFAULT_POLICY, openAnalysisStore, startCanary, type AnalysisStore } from '../../src/control/analysis/index.js';
import { createAdminApi, type AdminApi } from '../../src/control/admin/server.js';
import type { Dashboard } from '../../src/dashboard/index.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { call, json, stateSql } from './support.js';

// The dashboard mounted on the admin API's listener: its page is open, everything else needs one of this API's
// tokens, its rollback is audited with the token's identity.
const OP = 'operator-token-0123456789', RO = 'reader-token-0123456789ab';

describe('the dashboard on the admin API', () => {
  let db: FreshDatabase;
  let store: StateStore;
  let api: AdminApi;
  let dashboard: Dashboard;
  let base: string;
  let analysis: AnalysisStore;

  beforeAll(async () => {
    db = await freshDatabase('sqlite', 'admin_dash');
    store = await openStateStore(db.url);
    await store.setRoutes([{ id: 'orders', match: { path: '/orders/:id' }, mode: 'canary', canaryPercent: 20 },
      { id: 'invoices', match: { path: '/invoices/:id' }, mode: 'shadow' }], { actor: 'setup' });
    analysis = await openAnalysisStore(db.url);
    api = createAdminApi({ state: store, tokens: [{ role: 'operator', identity: 'alice', token: OP }, { role: 'read-only', identity: 'bob', token: RO }] });
    dashboard = mountDashboard(api, { state: store, analysis: analysisView(analysis, store) });
    base = `http://127.0.0.1:${(await api.listen(0)).port}`;
  });
  afterAll(async () => { dashboard?.close(); await api?.close(); await analysis?.close(); await store?.close(); await db?.drop(); });

  it('serves its page without a token, and its data only with one of the API tokens', async () => {
    const page = await fetch(`${base}/dashboard/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    expect((await call(base, 'GET', '/dashboard/api/snapshot')).status).toBe(401);
    expect((await call(base, 'GET', '/dashboard/api/snapshot', 'wrong-token-0123456789')).status).toBe(401);
    const me = await call(base, 'GET', '/dashboard/api/me', RO);
    expect(me.body).toMatchObject({ identity: 'bob', role: 'read' });
    const snap = await call(base, 'GET', '/dashboard/api/snapshot', RO);
    expect(snap.status).toBe(200);
    expect(JSON.stringify(snap.body)).toContain('orders');
    // the API's own endpoints keep their rules next to the open mount
    expect((await call(base, 'GET', '/routes')).status).toBe(401);
  });

  it("rolls back from the dashboard only with an operator token, audited as the token's identity", async () => {
    const post = (token: string) => fetch(`${base}/dashboard/api/routes/orders/rollback`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-siphon-csrf': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'diffs on totals' }),
    });
    expect((await post(RO)).status).toBe(403);
    expect((await stateSql(db, "SELECT mode FROM routes WHERE id = 'orders'"))).toEqual([{ mode: 'canary' }]);
    expect((await post(OP)).status).toBe(200);
    expect(await stateSql(db, "SELECT mode, canary_percent FROM routes WHERE id = 'orders'")).toEqual([{ mode: 'legacy', canary_percent: 0 }]);
    const audit = await stateSql(db, "SELECT actor, action, reason, before_json FROM audit WHERE action = 'route.rollback'");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'alice', reason: 'diffs on totals' });
    expect(json(audit[0]!.before_json)).toMatchObject({ route: { mode: 'canary', canaryPercent: 20 } });
  });

  it('shows a canary run per route, approves its step and, on rollback, ends the run (audited with the identity)', async () => {
    const act = (path: string, token: string) => fetch(`${base}/dashboard/api/routes/invoices/${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-siphon-csrf': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'next answers late' }),
    });
    await startCanary({ routes: store, analysis }, 'invoices', { ...DEFAULT_POLICY, steps: [10, 50], gates: [10] }, { actor: 'setup' });
    const snap = await call(base, 'GET', '/dashboard/api/snapshot', RO);
    const route = (snap.body as { routes: { id: string; analysis: { status: string; percent: number; summary: string } | null }[] }).routes.find((r) => r.id === 'invoices')!;
    expect(route.analysis).toMatchObject({ status: 'progressing', percent: 10 });
    expect(route.analysis!.summary).toContain('progressing at 10 %');
    expect((await call(base, 'GET', '/dashboard/api/me', OP)).body).toMatchObject({ can: { approve: true } });

    expect((await act('approve', RO)).status).toBe(403);
    expect((await act('approve', OP)).status).toBe(200);
    expect(await stateSql(db, "SELECT actor FROM audit WHERE action = 'canary.approve'")).toEqual([{ actor: 'alice' }]);
    expect(await stateSql(db, "SELECT approved_index FROM canary_runs WHERE route_id = 'invoices'")).toEqual([{ approved_index: 0 }]);

    expect((await act('rollback', OP)).status).toBe(200);
    expect(await stateSql(db, "SELECT status FROM canary_runs WHERE route_id = 'invoices'")).toEqual([{ status: 'aborted' }]);
    expect(await stateSql(db, "SELECT mode FROM routes WHERE id = 'invoices'")).toEqual([{ mode: 'legacy' }]);
    const abort = await stateSql(db, "SELECT actor, reason FROM audit WHERE action = 'canary.abort'");
    expect(abort).toHaveLength(1);
    expect(abort[0]).toMatchObject({ actor: 'alice' });
    expect(String(abort[0]!.reason)).toContain('next answers late');
    // nothing active any more: approving now is refused with the reason
    const late = await act('approve', OP);
    expect(late.status).toBe(400);
    expect(((await late.json()) as { error: string }).error).toContain('no canary in progress');
  });
});
