import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/main.js';
import { openLog } from '../../src/log/open.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { change } from './logs.js';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { stdout += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
  try {
    process.exitCode = undefined;
    const code = await run(['node', 'siphon', ...args]);
    return { code, stdout, stderr };
  } finally {
    o.mockRestore(); e.mockRestore(); process.exitCode = undefined;
  }
}

describe('siphon log tail | replay | stats', () => {
  let db: FreshDatabase;
  let url: string;
  beforeAll(async () => {
    db = await freshDatabase('sqlite', 'siphon_logcli');
    url = db.url;
    const log = await openLog(url);
    await log.append([change(1, 'orders'), change(2, 'customers'), change(3, 'orders', 'update'), change(4, 'orders', 'delete')]);
    await log.close();
  });
  afterAll(() => db.drop());
  afterEach(() => vi.restoreAllMocks());

  it('tail prints one human line per entry, filtered by table and from an offset', async () => {
    const r = await cli('log', 'tail', '--log', url, '--table', 'orders', '--from', '2');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^3 {2}orders {2}update {2}int:3 {2}note {2}@pos-/);
    expect(lines[1]).toMatch(/^4 {2}orders {2}delete {2}int:4 {2}/);
  });

  it('tail --json prints JSON lines that decode to the records', async () => {
    const r = await cli('log', 'tail', '--log', url, '--json');
    const docs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { offset: string; record: { table: string; op: string } });
    expect(docs.map((d) => [d.offset, d.record.table, d.record.op])).toEqual([
      ['1', 'orders', 'insert'], ['2', 'customers', 'insert'], ['3', 'orders', 'update'], ['4', 'orders', 'delete']]);
  });

  it('replay feeds a range to the count consumer', async () => {
    const r = await cli('log', 'replay', '--log', url, '--from', '1', '--to', '3', '--consumer', 'count', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({
      counts: [{ table: 'customers', op: 'insert', n: 1 }, { table: 'orders', op: 'insert', n: 1 }, { table: 'orders', op: 'update', n: 1 }], total: 3 });
    expect(r.stderr).toMatch(/replayed 3 entries \(1\.\.3\) to count/);
  });

  it('bad input is a usage error with a clear message', async () => {
    const unknown = await cli('log', 'replay', '--log', url, '--from', '1', '--consumer', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown consumer "nope": available are count, print/);
    const badOffset = await cli('log', 'tail', '--log', url, '--from', 'yesterday');
    expect(badOffset.code).toBe(2);
    expect(badOffset.stderr).toMatch(/"yesterday" is not an offset of the sqlite:.* log/);
    const reversed = await cli('log', 'replay', '--log', url, '--from', '3', '--to', '1', '--consumer', 'print');
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/--from is after --to/);
  });

  it('-c FILE takes the log URL from a siphon config', async () => {
    const { writeFileSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const file = join(dirname(db.name), 'siphon.config.ts');
    writeFileSync(file, `import { defineMigration } from 'siphon';
export default defineMigration({ name: 'logtest', legacy: { db: 'sqlite:legacy.sqlite' }, next: { db: 'sqlite:next.sqlite' },
  log: ${JSON.stringify(url)}, tables: {} });
`);
    const r = await cli('log', 'tail', '-c', file);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('stats shows entries and offsets', async () => {
    const r = await cli('log', 'stats', '--log', url, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ entries: 4, firstOffset: '1', lastOffset: '4', consumers: [] });
  });
});

describe('siphon log prune and tail --follow', () => {
  let db: FreshDatabase;
  beforeAll(async () => { db = await freshDatabase('sqlite', 'siphon_logcli2'); });
  afterAll(() => db.drop());

  it('prune deletes only what every consumer has passed, and rejects a bad duration', async () => {
    const log = await openLog(db.url);
    const { offsets } = await log.append([change(1), change(2), change(3)]);
    await log.commit('apply', null, offsets[1]!);
    await log.close();
    const kept = await cli('log', 'prune', '--log', db.url, '--older-than', '1d');
    expect(kept.stdout).toMatch(/nothing to delete/);
    const r = await cli('log', 'prune', '--log', db.url, '--older-than', '0', '--json');
    expect(JSON.parse(r.stdout)).toEqual({ deleted: 2, upTo: offsets[1] });
    const bad = await cli('log', 'prune', '--log', db.url, '--older-than', 'a week');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"a week" is not a duration/);
  });

  it('tail --follow prints entries appended while it runs (a real process, stopped with SIGINT)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['bin/siphon.js', 'log', 'tail', '--log', db.url, '--follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const got = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line within 40 s; stdout: ${stdout}`)), 40_000);
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); if (/orders {2}insert {2}int:77/.test(stdout)) { clearTimeout(t); resolve(); } });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // append until the tailer (started at the end of the log) has shown it: it may start after the first append
    const log = await openLog(db.url);
    let shown = false;
    void got.then(() => { shown = true; }, () => undefined);
    for (let i = 0; i < 80 && !shown; i++) {
      await log.append([change(77)]);
      await new Promise((r) => setTimeout(r, 500));
    }
    await log.close();
    await got;
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});

describe('log size metrics', () => {
  it('reports entries and bytes of every open log at scrape time', async () => {
    const { renderMetrics } = await import('../../src/observe/metrics.js');
    const db = await freshDatabase('sqlite', 'siphon_logmetrics');
    const log = await openLog(db.url);
    try {
      await log.append([change(1), change(2), change(3)]);
      const { body } = await renderMetrics();
      const line = body.split('\n').find((l) => l.startsWith('siphon_log_entries{') && l.includes(db.url));
      expect(line).toMatch(/ 3$/);
      expect(body).toMatch(new RegExp(`siphon_log_appended_total\\{log="${db.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}",kind="change",table="orders",op="insert"\\} 3`));
    } finally {
      await log.close();
      await db.drop();
    }
    const { body } = await renderMetrics();
    expect(body).not.toContain(`siphon_log_entries{log="${db.url}"`);
  });
});
