import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { runCli } from '../cli/run-cli.js';
import type { VerifyReport } from '../../src/verify/types.js';
import { fillNext, verifyFixture, type VerifyFixture } from './fixture.js';

/** `siphon verify` end to end in-process: exit codes, --json, results and every difference in the state store. */
let f: VerifyFixture;
let dir: string;
let config: string;

beforeAll(async () => {
  f = await verifyFixture();
  await f.legacy.execute(`INSERT INTO items (id, name, amount, note) VALUES (-1, 'a', 1.000, 'jane@example.com'), (1, 'b', 2.000, NULL), (2, 'c', 3.000, NULL)`);
  await f.legacy.execute(`INSERT INTO codes VALUES ('x', 'X')`);
  await f.legacy.execute(`INSERT INTO pairs VALUES (1, 'a', 1)`);
  await f.legacy.execute(`INSERT INTO refs VALUES ('r', 1)`);
  await fillNext(f);
  dir = mkdtempSync(join(tmpdir(), 'siphon-verify-cli-'));
  const root = resolve(import.meta.dirname, '../..');
  config = join(dir, 'siphon.config.mts');
  writeFileSync(config, `
import { defineMigration } from '${root}/src/config/define.js';
import { verifyTables } from '${root}/test/verify/fixture.js';
export default defineMigration({
  name: 'verify-cli',
  legacy: { db: ${JSON.stringify(f.legacyUrl)}, timezone: 'Europe/Paris' },
  next: { db: ${JSON.stringify(f.nextUrl)} },
  state: 'sqlite:${join(dir, 'state.sqlite')}',
  log: 'sqlite:${join(dir, 'log.sqlite')}',
  tables: verifyTables(),
});
`);
}, 60_000);

afterAll(async () => {
  await f?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('siphon verify', () => {
  it('exit 0 and the whole report as JSON when every row matches; the per-table figures go to the state store', async () => {
    const r = await runCli(['verify', '-c', config, '--json']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as VerifyReport;
    expect(r.code).toBe(0);
    expect(report.verdict).toBe('match');
    expect(report.tables.map((t) => [t.table, t.counts.legacyRows, t.counts.matched, t.invariantHolds])).toEqual([
      ['items', 3, 3, true], ['codes', 1, 1, true], ['pairs', 1, 1, true], ['refs', 1, 1, true],
    ]);
    const db = new Database(join(dir, 'state.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT table_name, legacy_rows, matched, compatibility, run_id FROM verify_tables ORDER BY table_name').all()).toEqual([
        { table_name: 'codes', legacy_rows: 1, matched: 1, compatibility: 1, run_id: report.runId },
        { table_name: 'items', legacy_rows: 3, matched: 3, compatibility: 1, run_id: report.runId },
        { table_name: 'pairs', legacy_rows: 1, matched: 1, compatibility: 1, run_id: report.runId },
        { table_name: 'refs', legacy_rows: 1, matched: 1, compatibility: 1, run_id: report.runId },
      ]);
    } finally { db.close(); }
  });

  it('exit 1 with every difference kept in the state store, personal data redacted there (not in the report)', async () => {
    await f.next.execute(`DELETE FROM items WHERE id = -1; UPDATE items SET name = 'B', note = 'x' WHERE id = 1`);
    try {
      const r = await runCli(['verify', '-c', config, '--table', 'items']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('MISSING items {"id":"-1"}');
      expect(r.stdout).toContain('name: legacy gives "b", next has "B"');
      expect(r.stdout).toMatch(/Result: differences found \(exit 1\)/);
      const db = new Database(join(dir, 'state.sqlite'), { readonly: true });
      try {
        const rows = db.prepare('SELECT kind, key_text, columns_json FROM verify_differences WHERE run_id = (SELECT max(id) FROM verify_runs) ORDER BY key_text').all() as { kind: string; key_text: string; columns_json: string }[];
        expect(rows.map((x) => [x.kind, x.key_text])).toEqual([['missing', '"-1"'], ['mismatched', '"1"']]);
        const missing = JSON.parse(rows[0]!.columns_json) as { column: string; expected: unknown }[];
        expect(missing.find((c) => c.column === 'name')!.expected).toBe('***');
        expect(missing.find((c) => c.column === 'note')!.expected).toBe('[email]');
        expect(JSON.parse(rows[1]!.columns_json)).toEqual([{ column: 'name', expected: '***', actual: '***' }, { column: 'note', expected: null, actual: 'x' }]);
      } finally { db.close(); }
    } finally {
      await f.next.execute(`INSERT INTO items (id, name, amount, note) VALUES (-1, 'a', 1, 'jane@example.com'); UPDATE items SET name = 'b', note = NULL WHERE id = 1`);
    }
  });

  it('--entity/--key and --table mistakes are usage errors (exit 2) with a clear message', async () => {
    const a = await runCli(['verify', '-c', config, '--key', '5']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--key: needs --entity');
    const b = await runCli(['verify', '-c', config, '--table', 'nope']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('"nope" is not a mapped legacy table (mapped: items, codes, pairs, refs)');
    expect(b.stderr).not.toMatch(/\n\s+at /);
    const c = await runCli(['verify', '-c', config, '--entity', 'nobody']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('"nobody" is not an entity of the config');
  });

  it('--threads: the same report on several threads; a count that is not one is a usage error (exit 2)', async () => {
    const one = await runCli(['verify', '-c', config, '--json', '--threads', '1']);
    const two = await runCli(['verify', '-c', config, '--json', '--threads', '2']);
    expect([one.code, two.code]).toEqual([0, 0]);
    const tables = (r: { stdout: string }) => (JSON.parse(r.stdout) as VerifyReport).tables.map((t) => ({ ...t, ms: 0 }));
    expect(tables(two)).toEqual(tables(one));
    for (const bad of ['0', 'many', '2.5', '65']) {
      const r = await runCli(['verify', '-c', config, '--threads', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`expected "auto" or a whole number of threads from 1 to 64, found "${bad}"`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('an unreachable legacy is inconclusive (exit 3), never a pass', async () => {
    const broken = join(dir, 'broken.config.mts');
    const { readFileSync } = await import('node:fs');
    writeFileSync(broken, readFileSync(config, 'utf8').replace(JSON.stringify(f.legacyUrl), JSON.stringify('mysql://root@127.0.0.1:2/nothing')));
    const r = await runCli(['verify', '-c', broken, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'inconclusive', exitCode: 3 });
  });
});
