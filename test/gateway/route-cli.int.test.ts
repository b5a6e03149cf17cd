import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/main.js';
import { openStateStore } from '../../src/state/open.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { runCli } from '../cli/run-cli.js';

// `siphon route status|set|rollback` against a real SQLite state store: output, audit, exit codes.
let db: FreshDatabase;
beforeAll(async () => { db = await freshDatabase('sqlite', 'gw_route_cli'); });
afterAll(async () => { await db?.drop(); });

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''; let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => { out += String(c); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => { err += String(c); return true; });
  try {
    process.exitCode = undefined;
    const code = await run(['node', 'siphon', 'route', ...args, '--state', db.url]);
    return { code, out, err };
  } finally { o.mockRestore(); e.mockRestore(); process.exitCode = undefined; }
}

describe('siphon route', () => {
  it('creates, changes, shows and rolls back routes, with actor and reason in the audit', async () => {
    expect((await cli('set', 'customers', '--path', '/customers/:id', '--methods', 'get,head', '--mode', 'canary:12.5',
      '--user-key', 'jwt:sub', '--actor', 'alice', '--reason', 'start canary')).code).toBe(0);
    expect((await cli('set', 'invoices', '--path', '/invoices/*', '--mode', 'shadow', '--mirror-writes')).code).toBe(0);
    const status = await cli('status', '--json');
    expect(status.code).toBe(0);
    const table = JSON.parse(status.out) as { version: number; routes: { id: string; mode: string; canaryPercent: number; options: Record<string, unknown>; match: { methods?: string[] } }[] };
    expect(table.routes.map((r) => [r.id, r.mode, r.canaryPercent])).toEqual([['customers', 'canary', 12.5], ['invoices', 'shadow', 0]]);
    expect(table.routes[0]!.options.userKey).toEqual({ from: 'jwt', claim: 'sub' });
    expect(table.routes[0]!.match.methods).toEqual(['GET', 'HEAD']);
    expect(table.routes[1]!.options.mirrorWrites).toBe(true);
    const text = await cli('status');
    expect(text.out).toMatch(/customers\s+canary:12.5\s+GET,HEAD \/customers\/:id/);

    const rb = await cli('rollback', '--actor', 'bob', '--reason', 'error rate up', '--json');
    expect(rb.code).toBe(0);
    expect((JSON.parse(rb.out) as typeof table).routes.every((r) => r.mode === 'legacy')).toBe(true);
    // the help's example filter finds the rollback, recorded as one (finding 12 of issue 11)
    const trail = await runCli(['state', 'audit', '--action', 'route.*', '--state', db.url, '--json']);
    expect(trail.code).toBe(0);
    const entries = JSON.parse(trail.stdout) as { actor: string; action: string }[];
    expect(entries[0]).toMatchObject({ actor: 'bob', action: 'route.rollback' });
    expect(entries.map((e) => e.action)).toEqual(['route.rollback', 'route.set', 'route.set']);
    const store = await openStateStore(db.url);
    try {
      const audit = (await store.listAudit({})).items;
      expect(audit.find((a) => a.actor === 'alice')?.reason).toBe('start canary');
      expect(audit.find((a) => a.actor === 'bob')?.reason).toBe('error rate up');
    } finally { await store.close(); }
  });

  it('says what is wrong with bad input and unknown routes (exit 2 for both: usage errors)', async () => {
    const badMode = await cli('set', 'customers', '--mode', 'canary:150');
    expect(badMode.code).toBe(2);
    expect(badMode.err).toMatch(/--mode: canary percent must be between 0 and 100/);
    const badKey = await cli('set', 'customers', '--user-key', 'ear:x');
    expect(badKey.code).toBe(2);
    expect(badKey.err).toMatch(/--user-key: unknown key source "ear"/);
    const negative = await cli('set', 'customers', '--mode', 'canary:-5');
    expect(negative.code).toBe(2);
    expect(negative.err).toMatch(/--mode: canary percent must be between 0 and 100, got -5/);
    const words = await cli('set', 'customers', '--mode', 'canary:half');
    expect(words.code).toBe(2);
    expect(words.err).toMatch(/--mode: canary percent must be a number between 0 and 100, found "half"/);
    const bare = await cli('set', 'customers', '--mode', 'canary');
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/--mode: canary needs a percentage: canary:PERCENT/);
    const missing = await cli('rollback', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/route "nope" does not exist; routes are customers, invoices/);
    const create = await cli('set', 'newone', '--mode', 'next');
    expect(create.code).toBe(2);
    expect(create.err).toMatch(/give both a path/);
  });
});

describe('siphon route set … owner', () => {
  it('stores owner mode with its entity, key, aspire on first touch and budget; refuses it without entity (exit 2)', async () => {
    const bad = await cli('set', 'owned', '--path', '/accounts/:id', '--mode', 'owner', '--entity-key', 'param:id');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('owner mode needs entity');
    expect((await cli('set', 'owned', '--path', '/accounts/:id', '--mode', 'owner', '--entity', 'customer', '--entity-key', 'param:id',
      '--aspire-on-first-touch', '--budget-ms', '150')).code).toBe(0);
    const table = JSON.parse((await cli('status', '--json')).out) as { routes: { id: string; mode: string; options: Record<string, unknown> }[] };
    expect(table.routes.find((r) => r.id === 'owned')).toMatchObject({
      mode: 'owner', options: { entity: 'customer', entityKey: { from: 'param', name: 'id' }, aspireOnFirstTouch: true, aspireBudgetMs: 150 },
    });
    expect((await cli('status')).out).toMatch(/owned\s+owner\s+\* \/accounts\/:id\s+\(customer by param:id, aspire on first touch ≤ 150 ms\)/);
    expect((await cli('set', 'owned', '--no-aspire-on-first-touch')).code).toBe(0);
    const after = JSON.parse((await cli('status', '--json')).out) as typeof table;
    expect(after.routes.find((r) => r.id === 'owned')!.options.aspireOnFirstTouch).toBe(false);
    const badBudget = await cli('set', 'owned', '--budget-ms', '-5');
    expect(badBudget.code).toBe(2);
    expect(badBudget.err).toContain('--budget-ms must be an integer from 0 to 60000');
  });
});
