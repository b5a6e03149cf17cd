import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog } from '../../src/log/open.js';
import { runCli } from './run-cli.js';

// Finding 12 of issue 11: `--legacy` meant a database URL in `capture` and an HTTP origin in `gateway`/`record`.
// They are now `--legacy-db` and `--legacy-http`/`--next-http`; the old names still work, with a warning.
describe('--legacy-db / --legacy-http, and the old flags as deprecated aliases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('capture status: --legacy still works and warns; --legacy-db does not warn', async () => {
    const legacy = join(dir, 'legacy.sqlite'), log = `sqlite:${join(dir, 'log.sqlite')}`;
    const db = new Database(legacy);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    db.close();
    await (await openLog(log)).close();
    const now = await runCli(['capture', 'status', '--legacy-db', `sqlite:${legacy}`, '--tables', 't', '--method', 'trigger', '--log', log, '--json']);
    expect(now.code).toBe(0);
    expect(now.stderr).toBe('');
    const old = await runCli(['capture', 'status', '--legacy', `sqlite:${legacy}`, '--tables', 't', '--method', 'trigger', '--log', log, '--json']);
    expect(old.code).toBe(0);
    expect(old.stderr).toBe('siphon: --legacy is deprecated and will be removed: use --legacy-db\n');
    expect(JSON.parse(old.stdout)).toMatchObject({ legacy: `sqlite:${legacy}` });
    // both given: the new name wins wherever it stands
    const both = await runCli(['capture', 'status', '--legacy-db', `sqlite:${legacy}`, '--legacy', 'sqlite:/nonexistent/x.sqlite', '--tables', 't', '--method', 'trigger', '--log', log, '--json']);
    expect(both.code).toBe(0);
    expect(JSON.parse(both.stdout)).toMatchObject({ legacy: `sqlite:${legacy}` });
  });

  it('gateway start and record: --legacy/--next warn and name their replacement; the missing-origin message names the new flag', async () => {
    const g = await runCli(['gateway', 'start', '--legacy', 'http://127.0.0.1:1', '--next', 'http://127.0.0.1:2', '--mirror-max-load', '7']);
    expect(g.code).toBe(2); // stops at the bad --mirror-max-load, after the aliases were read
    expect(g.stderr).toContain('siphon: --legacy is deprecated and will be removed: use --legacy-http');
    expect(g.stderr).toContain('siphon: --next is deprecated and will be removed: use --next-http');
    const none = await runCli(['gateway', 'start', '--next-http', 'http://127.0.0.1:2']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give --legacy-http URL or legacy\.http in the config/);
    const rec = await runCli(['record', '--out', join(dir, 'r.jsonl'), '--legacy', 'http://127.0.0.1:1', '--sample', '5']);
    expect(rec.code).toBe(2);
    expect(rec.stderr).toContain('siphon: --legacy is deprecated and will be removed: use --legacy-http');
    const help = await runCli(['gateway', 'start', '--help']);
    expect(help.stdout).toContain('--legacy-http <url>');
    expect(help.stdout).not.toMatch(/--legacy <|--next </);
  });
});
