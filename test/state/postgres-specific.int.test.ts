import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { rejection } from './contract/context.js';

// What only the PostgreSQL adapter has: schemas, LISTEN/NOTIFY with reconnection, server-side connection errors.
describe('postgres state store specifics', () => {
  let db: FreshDatabase;
  const opened: StateStore[] = [];
  const open = async (url: string) => { const s = await openStateStore(url); opened.push(s); return s; };
  const withSchema = (schema: string) => { const u = new URL(db.url); u.searchParams.set('schema', schema); return u.toString(); };

  beforeAll(async () => { db = await freshDatabase('postgres', 'siphon_state_pg'); });
  afterAll(async () => {
    for (const s of opened) await s.close();
    await db?.drop();
  });

  it('keeps stores in different schemas of one database apart, route notifications included', async () => {
    const a = await open(withSchema('tenant_a'));
    const b = await open(withSchema('tenant_b'));
    const seenB: number[] = [];
    const stop = await b.watchRoutes((v) => seenB.push(v), { pollMs: 60_000 });
    await a.setRoutes([{ id: 'x', match: { path: '/' }, mode: 'next' }], { actor: 't' });
    await b.setRoutes([{ id: 'y', match: { path: '/' }, mode: 'legacy' }], { actor: 't' });
    await b.updateRoute('y', { mode: 'shadow' }, { actor: 't' });
    await vi.waitFor(() => expect(seenB).toContain(2), { timeout: 5000, interval: 10 });
    await stop();
    expect(await a.routeTableVersion()).toBe(1);
    expect((await b.getRoutes()).routes.map((r) => r.id)).toEqual(['y']);
    expect(seenB.every((v) => v <= 2)).toBe(true);
  });

  it('watchRoutes survives the loss of its listening connection and reports what changed meanwhile', async () => {
    const s = await open(db.url);
    const errors: Error[] = [];
    const seen: number[] = [];
    const stop = await s.watchRoutes((v) => seen.push(v), { pollMs: 60_000, onError: (e) => errors.push(e) });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'siphon-route-watch' AND datname = current_database()`);
      const { version } = await s.setRoutes([{ id: 'after-kill', match: { path: '/' }, mode: 'canary', canaryPercent: 1 }], { actor: 't' });
      await vi.waitFor(() => expect(seen).toContain(version), { timeout: 10_000, interval: 20 });
      expect(errors.length).toBeGreaterThan(0);
      // and the new listening connection delivers the next change too
      const next = await s.updateRoute('after-kill', { canaryPercent: 2 }, { actor: 't' });
      await vi.waitFor(() => expect(seen).toContain(next.version), { timeout: 5000, interval: 10 });
    } finally {
      await admin.end();
      await stop();
    }
  });

  it('refuses a bad schema name and reports an unreachable database without its password', async () => {
    expect((await rejection(openStateStore(withSchema('Bad-Name')))).message).toContain('schema');
    const u = new URL(db.url);
    u.password = 'hunter2secret';
    u.pathname = '/siphon_no_such_database';
    const e = await rejection(openStateStore(u.toString()));
    expect(e.code).toBe('STATE_OPEN_FAILED');
    expect(e.message).toContain('siphon_no_such_database');
    expect(e.message).not.toContain('hunter2secret');
    expect(JSON.stringify(e.context)).not.toContain('hunter2secret');
  });
});
