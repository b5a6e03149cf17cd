import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/open.js';
import { runCli } from '../cli/run-cli.js';

// `siphon diffs` in the no-server mode: straight from the state store's DiffStore, opened for reading.
const dir = mkdtempSync(join(tmpdir(), 'siphon-diffs-cli-'));
const STATE = `sqlite:${join(dir, 'state.sqlite')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const store = await openStateStore(STATE);
  await store.setRoutes([
    { id: 'invoices', match: { path: '/invoices/:id', methods: ['GET'] }, mode: 'shadow' },
    { id: 'rest', match: { path: '/*' }, mode: 'legacy' },
  ], { actor: 'test' });
  await store.recordDiffs([
    { endpoint: 'GET /invoices/:id', fieldPath: '$.total', kind: 'value', count: 7, samples: [{ traceId: 't1', legacy: '12.35', next: '12.34' }] },
    { endpoint: 'GET /invoices/:id', fieldPath: '$.customer.email', kind: 'value', count: 2, samples: [{ traceId: 't2', legacy: '"***"', next: '"***"' }] },
    { endpoint: '* /*', fieldPath: 'status', kind: 'value', count: 1 },
  ]);
  await store.close();
});

describe('siphon diffs', () => {
  it('prints endpoint → field → counts and the stored (redacted) samples', async () => {
    const r = await runCli(['diffs', '--state', STATE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('GET /invoices/:id  (9 difference(s))');
    expect(r.stdout).toMatch(/\$\.total\s+7\s+value 7/);
    expect(r.stdout).toContain('"legacy":"12.35"');
    expect(r.stdout).toContain('* /*  (1 difference(s))');
  });

  it('filters by route with --json', async () => {
    const r = await runCli(['diffs', '--state', STATE, '--route', 'invoices', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { endpoints: { endpoint: string; count: number; fields: { path: string; count: number }[] }[] };
    expect(doc.endpoints.map((e) => [e.endpoint, e.count, e.fields.map((f) => [f.path, f.count])])).toEqual([
      ['GET /invoices/:id', 9, [['$.total', 7], ['$.customer.email', 2]]]]);
  });

  it('an unknown route or a missing store is a usage error (exit 2), and nothing is created', async () => {
    const unknown = await runCli(['diffs', '--state', STATE, '--route', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/route "nope" does not exist/);
    const missing = join(dir, 'nothing', 'state.sqlite');
    const r = await runCli(['diffs', '--state', `sqlite:${missing}`]);
    expect(r.code).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });
});
