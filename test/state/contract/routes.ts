import { expect, it, vi } from 'vitest';
import type { RouteInput } from '../../../src/state/types.js';
import { rejection, type ContractContext } from './context.js';

const ROUTES: RouteInput[] = [
  { id: 'customers-read', match: { methods: ['GET'], path: '/api/customers/:id', headers: [{ name: 'x-tenant', equals: 'acme' }] }, mode: 'shadow' },
  { id: 'invoices', match: { path: '/api/invoices/*', cookies: [{ name: 'beta', matches: '^(1|yes)$' }] }, mode: 'canary', canaryPercent: 12.5, options: { userKey: 'header:x-user' } },
  { id: 'rest', match: { path: '/*' }, mode: 'legacy' },
];

/** Raw SQL making the engine fail inside the route transaction: after the version bump, or at the audit insert. */
function failingTrigger(dialect: 'sqlite' | 'postgres', table: 'routes' | 'audit', column: string, value: string): string[] {
  if (dialect === 'sqlite') {
    return [`CREATE TRIGGER boom_${table} BEFORE INSERT ON ${table} WHEN NEW.${column} = '${value}' BEGIN SELECT RAISE(ABORT, 'boom'); END`];
  }
  return [
    `CREATE OR REPLACE FUNCTION boom_${table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.${column} = '${value}' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`,
    `CREATE TRIGGER boom_${table} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION boom_${table}()`,
  ];
}

export function routesContract(ctx: ContractContext): void {
  it('starts empty at version 0, replaces the table in order, bumps the version and audits before/after', async () => {
    const s = ctx.store();
    expect(await s.getRoutes()).toEqual({ version: 0, routes: [] });
    const t = await s.setRoutes(ROUTES, { actor: 'alice', reason: 'first table' });
    expect(t.version).toBe(1);
    expect(t.routes.map((r) => [r.id, r.position, r.mode, r.canaryPercent])).toEqual([
      ['customers-read', 0, 'shadow', 0], ['invoices', 1, 'canary', 12.5], ['rest', 2, 'legacy', 0]]);
    expect(t.routes[1]!.options).toEqual({ userKey: 'header:x-user' });
    expect(t.routes[0]!.match).toEqual(ROUTES[0]!.match);
    expect(await s.getRoutes()).toEqual(t);
    expect(await s.routeTableVersion()).toBe(1);
    const audit = (await s.listAudit({ action: 'route.set' })).items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'alice', subject: 'routes', reason: 'first table', before: { version: 0, routes: [] } });
    expect((audit[0]!.after as { version: number; routes: { id: string }[] }).routes.map((r) => r.id)).toEqual(['customers-read', 'invoices', 'rest']);
  });

  it('updates one route, keeping the rest, with one audit entry', async () => {
    const s = ctx.store();
    const v0 = await s.routeTableVersion();
    const { version, route } = await s.updateRoute('invoices', { canaryPercent: 50 }, { actor: 'bob' });
    expect(version).toBe(v0 + 1);
    expect(route).toMatchObject({ id: 'invoices', position: 1, mode: 'canary', canaryPercent: 50, options: { userKey: 'header:x-user' } });
    const t = await s.getRoutes();
    expect(t.version).toBe(version);
    expect(t.routes.map((r) => r.id)).toEqual(['customers-read', 'invoices', 'rest']);
    const [entry] = (await s.listAudit({ subject: 'invoices', limit: 1 })).items;
    expect(entry).toMatchObject({ actor: 'bob', action: 'route.update', reason: null });
    expect(entry!.before).toMatchObject({ version: v0, route: { canaryPercent: 12.5 } });
    expect(entry!.after).toMatchObject({ version, route: { canaryPercent: 50 } });
  });

  it('records the action the caller names (a rollback), and every route action matches route.*', async () => {
    const s = ctx.store();
    await s.updateRoute('invoices', { mode: 'legacy', canaryPercent: 0 }, { actor: 'carol', action: 'route.rollback' });
    const [entry] = (await s.listAudit({ subject: 'invoices', limit: 1 })).items;
    expect(entry).toMatchObject({ actor: 'carol', action: 'route.rollback' });
    const actions = new Set((await s.listAudit({ action: 'route.*' })).items.map((a) => a.action));
    expect(actions).toEqual(new Set(['route.set', 'route.update', 'route.rollback']));
    await expect(s.updateRoute('invoices', { mode: 'legacy' }, { actor: 'carol', action: '' })).rejects.toThrow(/audit\.action/);
  });

  it('refuses bad input and unknown routes without touching table, version or audit', async () => {
    const s = ctx.store();
    const before = await s.getRoutes();
    const auditBefore = (await s.listAudit({ limit: 1000 })).items.length;
    const e1 = await rejection(s.setRoutes([ROUTES[0]!, { ...ROUTES[1]!, canaryPercent: 150 }], { actor: 'x' }));
    expect(e1.message).toContain('setRoutes: routes[1].canaryPercent');
    const e2 = await rejection(s.setRoutes([ROUTES[0]!, ROUTES[0]!], { actor: 'x' }));
    expect(e2.message).toContain('routes[1].id');
    const e3 = await rejection(s.setRoutes([{ id: 'p', match: { path: 'api' }, mode: 'next' }], { actor: 'x' }));
    expect(e3.message).toContain('routes[0].match.path');
    const e4 = await rejection(s.updateRoute('ghost', { mode: 'next' }, { actor: 'x' }));
    expect(e4.code).toBe('STATE_ROUTE_NOT_FOUND');
    expect(e4.message).toContain('customers-read, invoices, rest');
    const e5 = await rejection(s.updateRoute('rest', { mode: 'sideways' as never }, { actor: 'x' }));
    expect(e5.message).toContain('updateRoute: change.mode');
    expect(await s.getRoutes()).toEqual(before);
    expect((await s.listAudit({ limit: 1000 })).items.length).toBe(auditBefore);
  });

  it('is atomic: a failure after the version bump or at the audit write leaves routes, version and audit as they were', async () => {
    const s = ctx.store();
    for (const sql of [...failingTrigger(ctx.dialect, 'routes', 'id', 'boom'), ...failingTrigger(ctx.dialect, 'audit', 'actor', 'mallory')]) {
      await ctx.raw(ctx.url, sql);
    }
    const before = await s.getRoutes();
    const auditBefore = (await s.listAudit({ limit: 1000 })).items;
    expect((await rejection(s.setRoutes([{ id: 'new', match: { path: '/n' }, mode: 'next' }, { id: 'boom', match: { path: '/b' }, mode: 'next' }], { actor: 'x' }))).message).toContain('boom');
    expect((await rejection(s.setRoutes([{ id: 'solo', match: { path: '/s' }, mode: 'next' }], { actor: 'mallory' }))).message).toContain('boom');
    expect((await rejection(s.updateRoute('rest', { mode: 'next' }, { actor: 'mallory' }))).message).toContain('boom');
    expect(await s.getRoutes()).toEqual(before);
    expect((await s.listAudit({ limit: 1000 })).items).toEqual(auditBefore);
  });

  it('keeps the audit trail append-only at the engine level', async () => {
    await ctx.store().appendAudit({ actor: 'a', action: 'test.append', subject: 's' });
    await expect(ctx.raw(ctx.url, "UPDATE audit SET actor = 'forged'")).rejects.toThrow(/append-only/);
    await expect(ctx.raw(ctx.url, 'DELETE FROM audit')).rejects.toThrow(/append-only/);
  });

  it('watchRoutes reports a change made through another connection, and stops after unsubscribe', async () => {
    const s = ctx.store();
    const seen: number[] = [];
    // PostgreSQL: a poll too slow to matter, so only LISTEN/NOTIFY can deliver in time
    const unsubscribe = await s.watchRoutes((v) => seen.push(v), { pollMs: ctx.dialect === 'postgres' ? 60_000 : 20 });
    const { version } = await ctx.other().updateRoute('rest', { mode: 'shadow' }, { actor: 'carol', reason: 'watch test' });
    await vi.waitFor(() => expect(seen).toContain(version), { timeout: 5000, interval: 10 });
    await unsubscribe();
    const after = await ctx.other().updateRoute('rest', { mode: 'legacy' }, { actor: 'carol' });
    await new Promise((r) => setTimeout(r, 150));
    expect(seen).not.toContain(after.version);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen); // versions only grow
  });

  it('watchRoutes with sinceVersion reports a change made between loading the table and subscribing', async () => {
    const s = ctx.store();
    const loaded = await s.getRoutes();
    const { version } = await ctx.other().updateRoute('rest', { mode: 'next' }, { actor: 'dave' });
    const seen: number[] = [];
    const unsubscribe = await s.watchRoutes((v) => seen.push(v), { sinceVersion: loaded.version, pollMs: ctx.dialect === 'postgres' ? 60_000 : 20 });
    try {
      await vi.waitFor(() => expect(seen).toEqual([version]), { timeout: 5000, interval: 10 });
    } finally { await unsubscribe(); }
  });
}
