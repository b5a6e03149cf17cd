import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi, type RunningAdmin } from '../../src/control/admin/start.js';
import { aspireWorld, entityCounts, type AspireWorld } from './setup.js';

/**
 * `POST /aspire/ENTITY/KEY` on the admin API, served by the running migration (the SQLite world: legacy, next and the
 * state store are files the test reads with plain SQL): an operator pulls one customer into next, the audit names the
 * token's identity; a read-only token is refused and nothing moves; an unknown entity is 404.
 */
describe('aspire through the admin API', () => {
  let w: AspireWorld;
  let admin: RunningAdmin;
  const dir = mkdtempSync(join(tmpdir(), 'siphon-admin-aspire-'));
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    w = await aspireWorld('sqlite', 12);
    admin = await startAdminApi({ config: w.config, port: 0, tokenFile: join(dir, 'tokens'), dashboard: false });
    for (const line of readFileSync(join(dir, 'tokens'), 'utf8').split('\n').filter(Boolean)) {
      const [role, , token] = line.split(/\s+/);
      tokens[role!] = token!;
    }
  }, 180_000);
  afterAll(async () => { await admin?.stop(); await w?.drop(); rmSync(dir, { recursive: true, force: true }); }, 60_000);

  const post = (path: string, token?: string) => fetch(`${admin.url}${path}`, { method: 'POST', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });

  it('an operator pulls one customer into next; the audit names the token; a second call is "already"', async () => {
    expect((await post('/aspire/customer/4')).status).toBe(401);
    const reader = await post('/aspire/customer/4', tokens['read-only']);
    expect(reader.status).toBe(403);
    const r = await post('/aspire/customer/4', tokens.operator);
    const body = await r.json() as { outcome: string; key: string };
    expect(r.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ outcome: 'migrated', key: '4' });
    const counts = await entityCounts(w, 4);
    expect(counts.next).toEqual(counts.legacy);
    const state = new Sqlite(w.stateUrl.slice('sqlite:'.length), { readonly: true });
    try {
      const audit = state.prepare(`SELECT actor, subject FROM audit WHERE action = 'entity.aspire'`).all();
      expect(audit).toHaveLength(1);
      expect((audit[0] as { subject: string }).subject).toBe('customer:4');
      expect((audit[0] as { actor: string }).actor).not.toBe('');
      const identity = readFileSync(join(dir, 'tokens'), 'utf8').split('\n').find((l) => l.startsWith('operator '))!.split(/\s+/)[1];
      expect((audit[0] as { actor: string }).actor).toBe(identity);
    } finally { state.close(); }
    const again = await post('/aspire/customer/4', tokens.operator);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { outcome: string }).outcome).toBe('already');
  }, 60_000);

  it('an unknown entity is 404 and a malformed path 400; nothing is copied', async () => {
    const unknown = await post('/aspire/custmer/5', tokens.operator);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { reason: string }).reason).toBe('ASPIRE_UNKNOWN_ENTITY');
    expect((await post('/aspire/customer', tokens.operator)).status).toBe(400);
    const counts = await entityCounts(w, 5);
    expect(counts.next.every((n) => n === 0)).toBe(true);
  }, 60_000);
});
