import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { loadConfig } from '../../src/config/load.js';
import { openStateStore } from '../../src/state/open.js';
import { createApplier } from '../../src/apply/index.js';
import { ins, rows, upd } from './support.js';

// `siphon quarantine list|show|retry` on a SQLite next: a mapping bug quarantines rows; after the fix, retry re-drives
// them through the same applier, and a retried old change never replaces a newer one.
const config = (dir: string, fixed: boolean) => `import { defineMigration, z } from 'siphon';
export default defineMigration({
  name: 'qcli',
  legacy: { db: 'sqlite::memory:' },
  next: { db: 'sqlite:${join(dir, 'next.sqlite')}' },
  state: 'sqlite:state.sqlite',
  tables: {
    I: {
      key: 'id',
      to: (r) => { if (${fixed ? 'false' : "r.name === 'bad'"}) throw new Error('cannot map bad'); return { items: [{ id: r.id, name: r.name, qty: r.qty }] }; },
      schemas: { items: z.object({ id: z.number(), name: z.string(), qty: z.number() }) },
    },
  },
});
`;

describe('siphon quarantine', () => {
  let dir: string;
  let next: Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'siphon-qcli-'));
    writeFileSync(join(dir, 'v1.mts'), config(dir, false));
    writeFileSync(join(dir, 'v2.mts'), config(dir, true));
    next = await openDatabase(`sqlite:${join(dir, 'next.sqlite')}`);
    await next.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL)');
    const cfg = await loadConfig(join(dir, 'v1.mts'));
    const state = await openStateStore(cfg.state);
    const applier = await createApplier({ config: cfg, next, state });
    await applier.apply([ins('I', 1, 1, { name: 'bad', qty: 1 }), ins('I', 2, 2, { name: 'bad', qty: 2 }), ins('I', 3, 3, { name: 'ok', qty: 3 })]);
    // key 2 moves on after its quarantined change: the newer applied change supersedes (resolves) the old item
    await applier.apply([upd('I', 2, 4, { name: 'newer', qty: 20 })]);
    await state.close();
  });
  afterAll(async () => { await next?.close(); rmSync(dir, { recursive: true, force: true }); });

  it('lists open items with counts per table and reason, and filters', async () => {
    const r = await runCli(['quarantine', 'list', '-c', join(dir, 'v1.mts')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/I\s+to\s+open\s+1/);
    expect(r.stdout).toMatch(/to\(\) threw Error: cannot map bad/);
    const j = await runCli(['quarantine', 'list', '-c', join(dir, 'v1.mts'), '--json', '--reason', 'to']);
    const doc = JSON.parse(j.stdout) as { items: { key: string; reasonCode: string }[] };
    expect(doc.items.map((i) => i.key)).toEqual(['int:1']);
    const none = await runCli(['quarantine', 'list', '-c', join(dir, 'v1.mts'), '--table', 'Other']);
    expect(none.stdout).toMatch(/no open quarantined items for Other/);
  });

  it('shows one item whole, and says so when it does not exist', async () => {
    const r = await runCli(['quarantine', 'show', '1', '-c', join(dir, 'v1.mts'), '--json']);
    expect(r.code).toBe(0);
    const item = JSON.parse(r.stdout) as { payload: { change: { table: string; position: string } } };
    expect(item.payload.change).toMatchObject({ table: 'I', position: '00000000000000000001' });
    const missing = await runCli(['quarantine', 'show', '999', '-c', join(dir, 'v1.mts')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no quarantine item 999/);
    expect((await runCli(['quarantine', 'show', 'x', '-c', join(dir, 'v1.mts')])).code).toBe(2);
  });

  it('a reading command on a missing state store says so and creates nothing', async () => {
    const r = await runCli(['quarantine', 'list', '--state', `sqlite:${join(dir, 'nope', 'state.sqlite')}`]);
    expect(r.code).toBe(2); // a usage error, as for every reading command (src/cli/exit-codes.ts)
    expect(r.stderr).toMatch(/no state store at .*nope\/state\.sqlite: the file does not exist/);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });

  it('retry with the unfixed mapping keeps them quarantined (exit 1); after the fix they are resolved, and the newer row stays', async () => {
    const before = await runCli(['quarantine', 'retry', '-c', join(dir, 'v1.mts'), '--json']);
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout)).toMatchObject({ retried: 1, resolved: 0, stillQuarantined: 1 });
    const after = await runCli(['quarantine', 'retry', '-c', join(dir, 'v2.mts'), '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ retried: 1, resolved: 1, stillQuarantined: 0 });
    expect(await rows(next, 'items')).toEqual([{ id: 1, name: 'bad', qty: 1 }, { id: 2, name: 'newer', qty: 20 }, { id: 3, name: 'ok', qty: 3 }]);
    const list = await runCli(['quarantine', 'list', '-c', join(dir, 'v2.mts')]);
    expect(list.stdout).toMatch(/no open quarantined items/);
    const resolved = await runCli(['quarantine', 'list', '-c', join(dir, 'v2.mts'), '--status', 'resolved', '--json']);
    expect((JSON.parse(resolved.stdout) as { items: unknown[] }).items).toHaveLength(2);
  });

  it('retry without a config is a usage error', async () => {
    expect((await runCli(['quarantine', 'retry'])).code).toBe(2);
  });
});
