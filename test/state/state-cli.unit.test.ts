import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/main.js';
import { openStateStore } from '../../src/state/open.js';

// `siphon state status|audit` against an embedded store with known content.
describe('siphon state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-state-cli-'));
  const url = `sqlite:${join(dir, 'state.sqlite')}`;
  let printed = '';

  beforeAll(async () => {
    const s = await openStateStore(url);
    await s.upsertLedger([
      { entity: 'customer', key: '1', state: 'copied', version: '01', origin: 'backfill' },
      { entity: 'customer', key: '2', state: 'verified', version: '01', origin: 'backfill' },
    ]);
    await s.addQuarantine([{ sourceTable: 'INVOICE', key: '9', payload: { a: 1 }, reasonCode: 'schema_invalid', message: 'bad total' }]);
    await s.saveCheckpoint('apply', null, '0/16B3748');
    await s.setRoutes([{ id: 'all', match: { path: '/*' }, mode: 'shadow' }], { actor: 'alice', reason: 'start shadowing' });
    await s.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => { vi.restoreAllMocks(); printed = ''; });
  const capture = () => vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { printed += String(chunk); return true; });

  it('status prints versions, ledger and quarantine counts and checkpoints', async () => {
    capture();
    expect(await run(['node', 'siphon', 'state', 'status', '--state', url])).toBe(0);
    expect(printed).toMatch(/schema version \d+/);
    expect(printed).toContain('route table version 1, 1 route(s)');
    expect(printed).toMatch(/customer\s+copied\s+1/);
    expect(printed).toMatch(/INVOICE\s+schema_invalid\s+1/);
    expect(printed).toContain('0/16B3748');
  });

  it('status --json is machine-readable', async () => {
    capture();
    expect(await run(['node', 'siphon', 'state', 'status', '--state', url, '--json'])).toBe(0);
    const s = JSON.parse(printed) as { routeTableVersion: number; ledger: unknown[]; checkpoints: { name: string }[] };
    expect(s.routeTableVersion).toBe(1);
    expect(s.ledger).toHaveLength(2);
    expect(s.checkpoints.map((c) => c.name)).toEqual(['apply']);
  });

  it('audit lists entries newest first and filters by action', async () => {
    capture();
    expect(await run(['node', 'siphon', 'state', 'audit', '--state', url, '--action', 'route.*'])).toBe(0);
    expect(printed).toMatch(/alice\s+route\.set\s+routes\s+— start shadowing/);
    printed = '';
    expect(await run(['node', 'siphon', 'state', 'audit', '--state', url, '--action', 'nothing.*'])).toBe(0);
    expect(printed).toContain('no entries');
  });

  it('a bad --limit is a usage error (exit 2)', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await run(['node', 'siphon', 'state', 'audit', '--state', url, '--limit', 'lots'])).toBe(2);
  });
});
