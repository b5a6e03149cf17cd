import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import { openLog } from '../../src/log/open.js';
import { runCli } from '../cli/run-cli.js';
import { readAll, waitFor } from './helpers.js';

describe('siphon capture (CLI) on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-capture-cli-'));
  const legacy = `sqlite:${join(dir, 'legacy.sqlite')}`, logUrl = `sqlite:${join(dir, 'log.sqlite')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('install, start (until SIGTERM), status, uninstall; bad usage exits 2', async () => {
    const db = await openDatabase(legacy);
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const flags = ['--legacy-db', legacy, '--log', logUrl, '--tables', 't'];
    const inst = await runCli(['capture', 'install', ...flags]);
    expect(inst.code).toBe(0);
    expect(inst.stdout).toMatch(/capture installed .*\(trigger\): t/);
    await db.execute(`INSERT INTO t VALUES (1, 'a'), (2, 'b')`);

    const started = runCli(['capture', 'start', ...flags, '--status-every', '1']);
    const log = await openLog(logUrl);
    try {
      await waitFor(() => readAll(log), (e) => e.length >= 2, 'two changes in the log');
    } finally { await log.close(); }
    process.emit('SIGTERM');
    expect((await started).code).toBe(0);

    const st = await runCli(['capture', 'status', ...flags, '--json']);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ source: 'legacy', method: 'trigger', position: '00000000000000000002', logEntries: 2, lagPositions: 0 });

    // the same through a config file (legacy db, log and tables from it; relative sqlite: paths from its folder)
    const cfg = join(dir, 'siphon.config.mts');
    writeFileSync(cfg, `import { defineMigration, z } from 'siphon';
export default defineMigration({
  name: 'capture-cli', legacy: { db: 'sqlite:legacy.sqlite' }, next: { db: 'sqlite:next.sqlite' }, log: 'sqlite:log.sqlite',
  tables: { t: { key: ['id'], to: (row) => ({ t2: [{ id: Number(row.id) }] }), schemas: { t2: z.object({ id: z.number() }) } } },
});
`);
    const viaConfig = await runCli(['capture', 'status', '-c', cfg, '--json']);
    expect(viaConfig.stderr).toBe('');
    expect(JSON.parse(viaConfig.stdout)).toMatchObject({ method: 'trigger', position: '00000000000000000002', logEntries: 2 });

    const noTables = await runCli(['capture', 'status', '--legacy-db', legacy, '--log', logUrl]);
    expect(noTables.code).toBe(2);
    expect(noTables.stderr).toMatch(/no tables to capture/);
    const wrongMethod = await runCli(['capture', 'start', ...flags, '--method', 'binlog']);
    expect(wrongMethod.code).toBe(2);
    expect(wrongMethod.stderr).toMatch(/binlog capture needs a MariaDB/);
    const badMethod = await runCli(['capture', 'start', ...flags, '--method', 'wal2json']);
    expect(badMethod.code).toBe(2);

    const un = await runCli(['capture', 'uninstall', ...flags, '--drop-change-table']);
    expect(un.code).toBe(0);
    expect(await db.listTables()).not.toContain('siphon_changes');
    await db.close();
  });
});
