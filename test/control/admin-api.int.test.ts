import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi, type AdminApi } from '../../src/control/admin/server.js';
import type { AdminToken } from '../../src/control/admin/tokens.js';
import { gatewayRouteCheck } from '../../src/gateway/control.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { call, json, stateSql } from './support.js';

const ALICE = 'op-token-alice-0123456789abcdef';
const BOB = 'ro-token-bob-0123456789abcdefgh';
const tokens: AdminToken[] = [
  { role: 'operator', identity: 'alice', token: ALICE },
  { role: 'read-only', identity: 'bob', token: BOB },
];

describe.each(['sqlite', 'postgres'] as const)('admin API on a %s state store', (dialect) => {
  let db: FreshDatabase;
  let store: StateStore;
  let api: AdminApi;
  let base: string;

  beforeAll(async () => {
    db = await freshDatabase(dialect, 'siphon_admin');
    store = await openStateStore(db.url);
    api = createAdminApi({ state: store, tokens, checkRoutes: gatewayRouteCheck, stateUrl: db.url });
    base = `http://127.0.0.1:${(await api.listen(0)).port}`;
  });
  afterAll(async () => { await api?.close(); await store?.close(); await db?.drop(); });

  /** Everything a change could touch, read with plain SQL. */
  const snapshot = async () => ({
    routes: await stateSql(db, 'SELECT id, mode, canary_percent, options_json FROM routes ORDER BY id'),
    version: await stateSql(db, 'SELECT version FROM route_table'),
    settings: await stateSql(db, 'SELECT key, value FROM settings ORDER BY key'),
    audit: await stateSql(db, 'SELECT id FROM audit ORDER BY id'),
  });

  it('answers /healthz without a token, and nothing else', async () => {
    expect((await call(base, 'GET', '/healthz')).status).toBe(200);
    const r = await call(base, 'GET', '/routes');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('ADMIN_UNAUTHORIZED');
  });

  it('an operator creates and changes routes; the change is in the store with its audit entry', async () => {
    const created = await call(base, 'POST', '/routes/orders', ALICE, { path: '/orders/:id', methods: ['GET'], mode: 'legacy', reason: 'first route' });
    expect(created.status).toBe(200);
    const changed = await call(base, 'POST', '/routes/orders', ALICE, { mode: 'canary:10', options: { userKey: { from: 'header', name: 'x-user' } }, reason: 'ramp up' });
    expect(changed.status).toBe(200);
    expect(changed.body.routes[0]).toMatchObject({ id: 'orders', mode: 'canary', canaryPercent: 10 });
    const rows = await stateSql(db, 'SELECT mode, canary_percent, options_json FROM routes WHERE id = \'orders\'');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.mode).toBe('canary');
    expect(Number(rows[0]!.canary_percent)).toBe(10);
    expect(json(rows[0]!.options_json)).toEqual({ userKey: { from: 'header', name: 'x-user' } });
  });

  it('without a token or with a wrong one: 401 and nothing changes', async () => {
    const before = await snapshot();
    for (const auth of [undefined, 'not-a-token', `${ALICE}x`, ALICE.slice(0, -1)]) {
      for (const [method, path, body] of [['POST', '/routes/orders', { mode: 'next' }], ['POST', '/rollback', {}], ['PUT', '/routes', { routes: [] }],
        ['POST', '/backfill/pause', { reason: 'x' }], ['POST', '/quarantine/retry', {}], ['GET', '/audit', undefined]] as const) {
        const r = await call(base, method, path, auth, body);
        expect(r.status, `${method} ${path} with ${auth ?? 'no token'}`).toBe(401);
      }
    }
    // a Basic header or a bearer with junk around it is no token either
    const basic = await fetch(`${base}/routes`, { headers: { authorization: `Basic ${Buffer.from(`x:${ALICE}`).toString('base64')}` } });
    expect(basic.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('a read-only token reads everything but cannot change a route (403), and nothing changes', async () => {
    const before = await snapshot();
    expect((await call(base, 'GET', '/routes', BOB)).status).toBe(200);
    expect((await call(base, 'GET', '/audit', BOB)).status).toBe(200);
    expect((await call(base, 'GET', '/status', BOB)).status).toBe(200);
    for (const [method, path, body] of [['POST', '/routes/orders', { mode: 'next' }], ['POST', '/rollback', {}],
      ['PUT', '/routes', { routes: [] }], ['POST', '/backfill/pause', { reason: 'x' }], ['POST', '/backfill/resume', {}]] as const) {
      const r = await call(base, method, path, BOB, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.code).toBe('ADMIN_FORBIDDEN');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a bad change with 400 naming the field, and stores nothing', async () => {
    const before = await snapshot();
    const bad = await call(base, 'POST', '/routes/orders', ALICE, { mode: 'sideways' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/unknown mode "sideways"/);
    const pattern = await call(base, 'POST', '/routes/orders', ALICE, { path: '/orders/:id/:id' });
    expect(pattern.status).toBe(400);
    expect(pattern.body.error.message).toMatch(/duplicate path param/);
    expect((await call(base, 'POST', '/routes/nope', ALICE, { mode: 'next' })).status).toBe(400);
    expect((await call(base, 'GET', '/nothing-here', BOB)).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('pauses and resumes backfill, and rolls back, as the token identity', async () => {
    expect((await call(base, 'POST', '/backfill/pause', ALICE, { reason: 'month-end close' })).body).toMatchObject({ paused: true, by: 'alice' });
    const setting = await stateSql(db, "SELECT value FROM settings WHERE key = 'backfill.pause'");
    expect(json(setting[0]!.value)).toMatchObject({ paused: true, reason: 'month-end close' });
    expect((await call(base, 'GET', '/backfill/pause', BOB)).body).toMatchObject({ paused: true });
    expect((await call(base, 'POST', '/backfill/resume', ALICE, {})).status).toBe(200);
    expect((await call(base, 'POST', '/rollback', ALICE, { reason: 'diff rate too high' })).status).toBe(200);
    const rows = await stateSql(db, 'SELECT mode, canary_percent FROM routes');
    expect(rows.map((r) => [r.mode, Number(r.canary_percent)])).toEqual([['legacy', 0]]);
  });

  it('the audit trail holds every change the tests made, with before, after and the token identity', async () => {
    // `IS NULL` in SQL: a JSON null ("nothing stored before") is a value, an entry without a before is SQL NULL
    const audit = await stateSql(db, `SELECT actor, action, subject, before_json, after_json, reason,
      CASE WHEN before_json IS NULL THEN 1 ELSE 0 END AS no_before, CASE WHEN after_json IS NULL THEN 1 ELSE 0 END AS no_after FROM audit ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['route.set', 'route.update', 'backfill.pause', 'backfill.resume', 'route.rollback']);
    expect(new Set(audit.map((a) => a.actor))).toEqual(new Set(['alice']));
    expect(audit.map((a) => a.reason)).toEqual(['first route', 'ramp up', 'month-end close', null, 'diff rate too high']);
    expect(audit.map((a) => [a.action, Number(a.no_before), Number(a.no_after)])).toEqual(audit.map((a) => [a.action, 0, 0]));
    const update = audit[1]!;
    expect(json(update.before_json)).toMatchObject({ route: { id: 'orders', mode: 'legacy', canaryPercent: 0 } });
    expect(json(update.after_json)).toMatchObject({ route: { id: 'orders', mode: 'canary', canaryPercent: 10 } });
    expect(json(audit[2]!.before_json)).toBeNull(); // no pause ever stored before the first one
    expect(json(audit[3]!.before_json)).toMatchObject({ paused: true });
    expect(json(audit[3]!.after_json)).toMatchObject({ paused: false });
    expect(json(audit[4]!.before_json)).toMatchObject({ routes: [{ mode: 'canary' }] });
    expect(json(audit[4]!.after_json)).toMatchObject({ routes: [{ mode: 'legacy' }] });
    // and the API shows the same trail to a reader
    const page = await call(base, 'GET', '/audit?action=route.*', BOB);
    expect(page.body.items.map((e: { action: string }) => e.action)).toEqual(['route.rollback', 'route.update', 'route.set']);
  });

  it('lists quarantine and diffs; retry without the config says what it needs (503)', async () => {
    const [item] = await store.addQuarantine([{ sourceTable: 'customers', key: '7', payload: { secret: 'kept whole' }, reasonCode: 'schema', message: 'email invalid' }]);
    const list = await call(base, 'GET', '/quarantine?table=customers', BOB);
    expect(list.body.items).toEqual([expect.objectContaining({ id: item!.id, key: '7', reasonCode: 'schema' })]);
    expect(list.body.items[0].payload).toBeUndefined();
    expect((await call(base, 'GET', `/quarantine/${item!.id}`, BOB)).body.payload).toEqual({ secret: 'kept whole' });
    expect((await call(base, 'GET', '/quarantine/999999', BOB)).status).toBe(404);
    const retry = await call(base, 'POST', '/quarantine/retry', ALICE, {});
    expect(retry.status).toBe(503);
    expect(retry.body.error.message).toMatch(/needs the migration config/);

    await store.recordDiffs([
      { endpoint: 'GET /orders/:id', fieldPath: '$.total', kind: 'value', count: 3, samples: [{ legacy: '10', next: '11' }] },
      { endpoint: 'GET /orders/:id', fieldPath: '$.total', kind: 'type', count: 1 },
      { endpoint: 'GET /orders/:id', fieldPath: '$.note', kind: 'missing', count: 2 },
      { endpoint: '* /other', fieldPath: '$.x', kind: 'value', count: 9 },
    ]);
    const diffs = await call(base, 'GET', '/diffs?route=orders', BOB);
    expect(diffs.body.endpoints).toEqual([{ endpoint: 'GET /orders/:id', count: 6, fields: [
      { path: '$.total', count: 4, kinds: { value: 3, type: 1 }, samples: [{ legacy: '10', next: '11' }] },
      { path: '$.note', count: 2, kinds: { missing: 2 }, samples: [] },
    ] }]);
    expect((await call(base, 'GET', '/diffs', BOB)).body.endpoints).toHaveLength(2);
    expect((await call(base, 'GET', '/diffs?route=nope', BOB)).status).toBe(404);
    expect((await call(base, 'GET', '/verify', BOB)).body).toEqual({ tables: [] });
  });

  it('mounts a component endpoint with the same token and role rules', async () => {
    let calls = 0;
    api.mount({ method: 'POST', path: '/aspire/:entity', access: 'change', summary: 'test', handle: async (req) => { calls++; return { entity: req.params.entity, by: req.who.identity }; } });
    expect((await call(base, 'POST', '/aspire/customer', BOB, {})).status).toBe(403);
    expect((await call(base, 'POST', '/aspire/customer')).status).toBe(401);
    expect(calls).toBe(0);
    expect((await call(base, 'POST', '/aspire/customer', ALICE, {})).body).toEqual({ entity: 'customer', by: 'alice' });
    const list = await call(base, 'GET', '/', BOB);
    expect(list.body.endpoints).toContainEqual({ method: 'POST', path: '/aspire/:entity', access: 'change', summary: 'test' });
  });
});
