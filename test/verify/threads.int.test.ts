import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { openStateStore } from '../../src/state/open.js';
import { openVerifyResults } from '../../src/state/verify/open.js';
import { runVerify } from '../../src/verify/run-verify.js';
import { verifyThreadEntry } from '../../src/verify/threads/thread-bundle.js';
import type { TableVerifyReport, VerifyReport } from '../../src/verify/types.js';
import { fillNext, verifyFixture, type VerifyFixture } from './fixture.js';

/**
 * `siphon verify` with verify threads: each thread loads the config again (from a bundle, or through tsx when the
 * config cannot be bundled) and verifies whole tables with its own connections. The reports must be the ones a
 * single thread gives, and a thread that fails must never turn into a pass.
 */
let f: VerifyFixture;
let dir: string;
const root = resolve(import.meta.dirname, '../..');

/** A config file for the fixture's databases; `tables` is the expression giving its tables. */
function configFile(name: string, tables = 'verifyTables()', head = ''): string {
  const file = join(dir, name);
  writeFileSync(file, `
import { defineMigration } from '${root}/src/config/define.js';
import { verifyTables } from '${root}/test/verify/fixture.js';
${head}
export default defineMigration({
  name: 'verify-threads',
  legacy: { db: ${JSON.stringify(f.legacyUrl)}, timezone: 'Europe/Paris' },
  next: { db: ${JSON.stringify(f.nextUrl)} },
  state: 'sqlite:${join(dir, 'state.sqlite')}',
  tables: ${tables},
});
`);
  return file;
}

/** A report without what differs between two runs of the same data (timings, run ids). */
function comparable(r: VerifyReport): unknown {
  return r.tables.map((t: TableVerifyReport) => ({ ...t, ms: 0, differences: [...t.differences].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) }));
}

beforeAll(async () => {
  f = await verifyFixture();
  await f.legacy.execute(`INSERT INTO items (id, name, amount, note) VALUES (-1, 'a', 1.000, NULL), (1, 'b', 2.000, NULL), (2, 'c', 3.000, NULL), (3, 'd', 4.000, 'x')`);
  await f.legacy.execute(`INSERT INTO codes VALUES ('x', 'X'), ('y ', 'Y')`);
  await f.legacy.execute(`INSERT INTO pairs VALUES (1, 'a', 1), (2, 'b', 2)`);
  await f.legacy.execute(`INSERT INTO refs VALUES ('r', 1), ('s', 2)`);
  await fillNext(f);
  dir = mkdtempSync(join(tmpdir(), 'siphon-verify-threads-'));
}, 60_000);

afterAll(async () => {
  await f?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('verify threads', () => {
  it('give the report one thread gives — matches and every kind of difference — and store every difference', async () => {
    const config = await loadConfig(configFile('same.config.mts'));
    await f.next.execute(`DELETE FROM items WHERE id = -1; UPDATE codes SET label = 'Z' WHERE code = 'x'; INSERT INTO pairs VALUES (9, 'z', 9)`);
    const state = await openStateStore(config.state);
    const results = await openVerifyResults(config.state);
    try {
      const warnings: string[] = [];
      const one = await runVerify({ config, legacy: f.legacy, next: f.next, state, results, threads: 1 });
      const threaded = await runVerify({ config, legacy: f.legacy, next: f.next, state, results, threads: 2, mainThreadVerifies: false, onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([]);
      expect(one.verdict).toBe('differences');
      expect(one.tables.map((t) => [t.table, t.counts.missing, t.counts.mismatched, t.counts.extra])).toEqual([
        ['items', 1, 0, 0], ['codes', 0, 1, 0], ['pairs', 0, 0, 1], ['refs', 0, 0, 0],
      ]);
      expect(comparable(threaded)).toEqual(comparable(one));
      expect(threaded.exitCode).toBe(one.exitCode);
      const stored = async (runId: number) => (await results.listDifferences(runId, { limit: 100 })).map((d) => [d.sourceTable, d.kind, d.keyText]).sort();
      expect(await stored(threaded.runId!)).toEqual(await stored(one.runId!));
      expect((await stored(threaded.runId!)).length).toBe(3);
    } finally {
      await f.next.execute(`INSERT INTO items (id, name, amount, note) VALUES (-1, 'a', 1, NULL); UPDATE codes SET label = 'X' WHERE code = 'x'; DELETE FROM pairs WHERE a = 9`);
      await results.close();
      await state.close();
    }
  });

  it('load a config that reads a file beside itself through import.meta.url from the bundle (its own URL kept)', async () => {
    writeFileSync(join(dir, 'labels.json'), JSON.stringify({ suffix: '' }));
    const file = configFile('meta.config.mts', `(() => { const t = verifyTables(); const suffix = JSON.parse(readFileSync(new URL('./labels.json', import.meta.url), 'utf8')).suffix; const to = t.codes!.to; return { ...t, codes: { ...t.codes!, to: (r: any) => { const o: any = to(r); o.codes[0].label += suffix; return o; } } }; })()`, `import { readFileSync } from 'node:fs';`);
    const entry = await verifyThreadEntry(file);
    try { expect(entry).toMatchObject({ bundled: true }); } finally { await entry.dispose(); }
    const config = await loadConfig(file);
    const warnings: string[] = [];
    const r = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, mainThreadVerifies: false, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(r.verdict).toBe('match');
  });

  it('load a config that cannot be bundled (require) through tsx, with the same report', async () => {
    // a .ts config outside any "type": "module" package is CommonJS: its require() cannot be kept in an ES bundle
    const cjs = join(dir, 'cjs');
    mkdirSync(cjs);
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    const file = join(cjs, 'siphon.config.ts');
    writeFileSync(file, `
const { defineMigration } = require('${root}/src/config/define.ts');
const { verifyTables } = require('${root}/test/verify/fixture.ts');
module.exports = defineMigration({
  name: 'verify-threads-cjs',
  legacy: { db: ${JSON.stringify(f.legacyUrl)}, timezone: 'Europe/Paris' },
  next: { db: ${JSON.stringify(f.nextUrl)} },
  tables: verifyTables(),
});
`);
    const entry = await verifyThreadEntry(file);
    try { expect(entry.bundled).toBe(false); expect(entry.why).toMatch(/require\(\)/); } finally { await entry.dispose(); }
    const config = await loadConfig(file);
    const warnings: string[] = [];
    const threaded = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, mainThreadVerifies: false, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(comparable(threaded)).toEqual(comparable(await runVerify({ config, legacy: f.legacy, next: f.next })));
    expect(threaded.verdict).toBe('match');
  });

  it('a thread that dies in the middle of a table makes that table inconclusive (exit 3), never a pass; the others are verified', async () => {
    const file = configFile('dies.config.mts',
      `(() => { const t = verifyTables(); return { ...t, codes: { ...t.codes!, to: (r: any) => { if (!isMainThread) process.exit(7); return t.codes!.to(r, undefined as any); } } }; })()`,
      `import { isMainThread } from 'node:worker_threads';`);
    const config = await loadConfig(file);
    const r = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, mainThreadVerifies: false });
    expect(r.exitCode).toBe(3);
    const codes = r.tables.find((t) => t.table === 'codes')!;
    expect(codes.verdict).toBe('inconclusive');
    expect(codes.notes.join(' ')).toMatch(/verify thread stopped in the middle of the table: exit code 7/);
    expect(r.tables.filter((t) => t.table !== 'codes').map((t) => [t.table, t.verdict])).toEqual([['items', 'match'], ['pairs', 'match'], ['refs', 'match']]);
  });

  it('a run stopped before or while its threads start ends every table inconclusive (exit 3), never a pass', async () => {
    const config = await loadConfig(configFile('stopped.config.mts'));
    const stop = new AbortController();
    stop.abort();
    const r = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, mainThreadVerifies: false, signal: stop.signal });
    expect(r.exitCode).toBe(3);
    expect(r.tables.map((t) => [t.table, t.verdict])).toEqual([['items', 'inconclusive'], ['codes', 'inconclusive'], ['pairs', 'inconclusive'], ['refs', 'inconclusive']]);
    for (const t of r.tables) expect(t.notes.join(' ')).toMatch(/stopped before the end of the table/);
  });

  it("write the bundle (the config's code, secrets included) readable by its owner only, and remove a dead run's leftover", async () => {
    const cache = join(root, 'node_modules', '.cache', 'siphon');
    mkdirSync(cache, { recursive: true });
    // a pid that surely ended: a child that already exited
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const leftover = join(cache, `verify-thread-${dead}-1.mjs`);
    writeFileSync(leftover, '// left by a killed run');
    const entry = await verifyThreadEntry(configFile('mode.config.mts'));
    try {
      expect(entry.bundled).toBe(true);
      expect(statSync(entry.url).mode & 0o777).toBe(0o600);
      expect(existsSync(leftover)).toBe(false);
    } finally { await entry.dispose(); }
    expect(existsSync(entry.url)).toBe(false);
  });
});
