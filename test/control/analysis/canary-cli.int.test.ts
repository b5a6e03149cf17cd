import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../../src/cli/main.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { ConfigError } from '../../../src/config/errors.js';
import { resolvePolicy } from '../../../src/control/analysis/config.js';
import { openStateStore } from '../../../src/state/open.js';

// `siphon canary start|status|approve|abort` on an embedded state store; end states read with plain SQL.
describe('siphon canary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-canary-cli-'));
  const file = join(dir, 'state.sqlite');
  const url = `sqlite:${file}`;
  let out = '';
  let err = '';
  const siphon = (...args: string[]) => run(['node', 'siphon', 'canary', ...args, '--state', url]);
  const sql = <T>(text: string): T[] => { const c = new Database(file, { readonly: true }); try { return c.prepare(text).all() as T[]; } finally { c.close(); } };

  beforeAll(async () => {
    const s = await openStateStore(url);
    await s.setRoutes([{ id: 'invoices', match: { path: '/invoices/:n' }, mode: 'shadow' }], { actor: 'alice', reason: 'shadow first' });
    await s.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => { vi.restoreAllMocks(); out = ''; err = ''; });
  const capture = () => {
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out += String(c); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err += String(c); return true; });
  };

  it('refuses bad usage with exit 2 and a clear message, changing nothing', async () => {
    capture();
    expect(await siphon('start', 'nosuch')).toBe(2);
    expect(err).toContain('route "nosuch" does not exist; routes are invoices');
    expect(await siphon('start', 'invoices', '--steps', '5,1')).toBe(2);
    expect(err).toContain('steps must increase');
    expect(await siphon('start', 'invoices', '--max-error-rate', '2')).toBe(2);
    expect(err).toContain('--max-error-rate');
    expect(await siphon('start', 'invoices', '--gates', '30', '--steps', '10,50')).toBe(2);
    expect(err).toContain('gate 30 is not one of the steps');
    expect(await siphon('approve', 'invoices')).toBe(2);
    expect(err).toContain('no canary in progress');
    expect(err).not.toMatch(/\n\s+at /); // never a stack trace
    expect(sql<{ mode: string }>("SELECT mode FROM routes WHERE id = 'invoices'")).toEqual([{ mode: 'shadow' }]);
    expect(sql('SELECT * FROM canary_runs')).toEqual([]);
  });

  it('reading a store that is not there is a usage error and creates nothing', async () => {
    capture();
    expect(await run(['node', 'siphon', 'canary', 'status', '--state', `sqlite:${join(dir, 'missing.sqlite')}`])).toBe(2);
    expect(sql('SELECT * FROM canary_runs')).toEqual([]);
  });

  it('start, status, approve, abort: each audited with the actor, the route following', async () => {
    capture();
    expect(await siphon('start', 'invoices', '--steps', '10,50,100', '--interval', '30s', '--gates', '10', '--actor', 'bob', '--json')).toBe(0);
    const started = JSON.parse(out) as { status: string; policy: { steps: number[]; intervalMs: number; gates: number[] } };
    expect(started).toMatchObject({ status: 'progressing', policy: { steps: [10, 50, 100], intervalMs: 30_000, gates: [10] } });
    expect(sql<{ mode: string; canary_percent: number; options_json: string }>("SELECT mode, canary_percent, options_json FROM routes WHERE id = 'invoices'")
      .map((r) => [r.mode, r.canary_percent, JSON.parse(r.options_json).canaryShadow])).toEqual([['canary', 10, true]]);
    out = '';
    expect(await siphon('start', 'invoices')).toBe(2);
    expect(err).toContain('already has a canary in progress');
    expect(await siphon('status', '--json')).toBe(0);
    expect((JSON.parse(out) as { runs: { route: string; status: string }[] }).runs.map((r) => [r.route, r.status])).toEqual([['invoices', 'progressing']]);
    out = '';
    expect(await siphon('status')).toBe(0);
    expect(out).toMatch(/invoices\s+progressing\s+10%\s+\[10\] → 50 → 100/);
    expect(await siphon('approve', 'invoices', '--actor', 'carol')).toBe(0);
    expect(sql<{ approved_index: number }>('SELECT approved_index FROM canary_runs')).toEqual([{ approved_index: 0 }]);
    expect(await siphon('abort', 'invoices', '--actor', 'dave', '--reason', 'freeze')).toBe(0);
    expect(sql<{ mode: string }>("SELECT mode FROM routes WHERE id = 'invoices'")).toEqual([{ mode: 'legacy' }]);
    expect(sql<{ status: string }>('SELECT status FROM canary_runs')).toEqual([{ status: 'aborted' }]);
    expect(sql<{ actor: string; action: string }>("SELECT actor, action FROM audit WHERE action LIKE 'canary.%' ORDER BY id"))
      .toEqual([{ actor: 'bob', action: 'canary.start' }, { actor: 'carol', action: 'canary.approve' }, { actor: 'dave', action: 'canary.abort' }]);
    expect(await siphon('abort', 'invoices')).toBe(2);
  });
});

describe('the analysis section of the config', () => {
  const base = { name: 'm', legacy: { db: 'sqlite:a.db' }, next: { db: 'sqlite:b.db' }, tables: {} };
  const problem = (analysis: unknown): string => {
    try { resolveConfig({ ...base, analysis }); } catch (e) { expect(e).toBeInstanceOf(ConfigError); return (e as Error).message; }
    throw new Error('accepted');
  };

  it('says which field is wrong', () => {
    expect(problem({ maxErrorRate: 5 })).toContain('analysis.maxErrorRate');
    expect(problem({ interval: 'soon' })).toContain('analysis.interval');
    expect(problem({ steps: [5, 1] })).toContain('analysis.steps: steps must increase');
    expect(problem({ routes: { inv: { gates: [7] } } })).toContain('analysis.routes.inv.gates');
    expect(problem({ thresold: 2 })).toMatch(/analysis\.thresold: unknown key \(did you mean "threshold"\?\)/);
  });

  it('resolves a route policy: defaults < section < route < flags', () => {
    const c = resolveConfig({ ...base, analysis: { interval: '30s', bucket: '10s', maxDiffRate: null, routes: { inv: { interval: '45s', threshold: 3 } } } });
    const p = resolvePolicy(c.analysis, 'inv', { threshold: 5 });
    expect(p).toMatchObject({ intervalMs: 50_000, bucketMs: 10_000, threshold: 5, maxDiffRate: null, steps: [1, 5, 25, 50, 100] });
    expect(resolvePolicy(c.analysis, 'other').intervalMs).toBe(30_000);
  });
});
