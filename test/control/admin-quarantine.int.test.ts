import Sqlite from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplier } from '../../src/apply/index.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { loadConfig } from '../../src/config/load.js';
import { createAdminApi, type AdminApi } from '../../src/control/admin/server.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { ins } from '../apply/support.js';
import { call, json } from './support.js';

// POST /quarantine/retry: the API re-drives quarantined changes through apply with the config it was started with;
// the audit entries of the resolved items name the operator token's identity.
const config = (dir: string, fixed: boolean) => `import { defineMigration, z } from 'siphon';
export default defineMigration({
  name: 'qapi', legacy: { db: 'sqlite::memory:' }, next: { db: 'sqlite:${join(dir, 'next.sqlite')}' }, state: 'sqlite:state.sqlite',
  tables: { I: { key: 'id',
    to: (r) => { if (${fixed ? 'false' : "r.name === 'bad'"}) throw new Error('cannot map bad'); return { items: [{ id: r.id, name: r.name }] }; },
    schemas: { items: z.object({ id: z.number(), name: z.string() }) } } },
});
`;
const OP = 'operator-token-0123456789', RO = 'reader-token-0123456789ab';

describe('quarantine retry through the admin API', () => {
  let dir: string;
  let next: Database;
  let store: StateStore;
  let api: AdminApi;
  let base: string;
  const sql = (q: string) => { const d = new Sqlite(join(dir, 'state.sqlite'), { readonly: true }); try { return d.prepare(q).all() as Record<string, unknown>[]; } finally { d.close(); } };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'siphon-qapi-'));
    writeFileSync(join(dir, 'v1.mts'), config(dir, false));
    writeFileSync(join(dir, 'v2.mts'), config(dir, true));
    next = await openDatabase(`sqlite:${join(dir, 'next.sqlite')}`);
    await next.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    const v1 = await loadConfig(join(dir, 'v1.mts'));
    store = await openStateStore(v1.state);
    const applier = await createApplier({ config: v1, next, state: store });
    await applier.apply([ins('I', 1, 1, { name: 'bad' }), ins('I', 2, 2, { name: 'ok' })]);
    await applier.close();
    // the fixed mapping is what the API runs with
    api = createAdminApi({ state: store, config: await loadConfig(join(dir, 'v2.mts')),
      tokens: [{ role: 'operator', identity: 'alice', token: OP }, { role: 'read-only', identity: 'bob', token: RO }] });
    base = `http://127.0.0.1:${(await api.listen(0)).port}`;
  });
  afterAll(async () => { await api?.close(); await store?.close(); await next?.close(); rmSync(dir, { recursive: true, force: true }); });

  it('GET /status runs the migration status with the config; before any migration it says so (409)', async () => {
    const r = await call(base, 'GET', '/status', RO);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'MIGRATE_NOT_STARTED' });
    expect(r.body.error.message).toMatch(/no event log at .*"siphon migrate" has not run/);
  });

  it('a read-only token cannot re-drive (403) and nothing moves', async () => {
    expect((await call(base, 'POST', '/quarantine/retry', RO, {})).status).toBe(403);
    expect(sql('SELECT state FROM quarantine')).toEqual([{ state: 'open' }]);
  });

  it('an operator re-drives with the fixed mapping: applied in next, resolved, audited as the operator', async () => {
    const r = await call(base, 'POST', '/quarantine/retry', OP, { table: 'I', reason: 'mapping fixed in v2' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ retried: 1, resolved: 1, stillQuarantined: 0 });
    const nextDb = new Sqlite(join(dir, 'next.sqlite'), { readonly: true });
    try { expect(nextDb.prepare('SELECT id, name FROM items ORDER BY id').all()).toEqual([{ id: 1, name: 'bad' }, { id: 2, name: 'ok' }]); } finally { nextDb.close(); }
    expect(sql('SELECT state FROM quarantine')).toEqual([{ state: 'resolved' }]);
    const audit = sql("SELECT actor, action, reason, before_json, after_json FROM audit WHERE action LIKE 'quarantine.%'");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'alice', action: 'quarantine.resolved' });
    expect(audit[0]!.reason).toMatch(/^mapping fixed in v2: applied/);
    expect(json(audit[0]!.before_json)).toMatchObject({ states: ['open'] });
    expect(json(audit[0]!.after_json)).toMatchObject({ state: 'resolved' });
  });
});
