import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import type { CheckReport } from '../../src/config/inspect.js';
import { runCli } from './run-cli.js';
import { REFUSED_PORT } from '../support/refused-port.js';

// The embedded setup: SQLite legacy and next, a .mjs config, relative paths anchored at the config's folder.
let legacy: FreshDatabase, next: FreshDatabase, file: string;

beforeAll(async () => {
  legacy = await freshDatabase('sqlite');
  next = await freshDatabase('sqlite');
  const l = await openDatabase(legacy.url);
  await l.execute(`CREATE TABLE CLIENT (CLI_ID INTEGER PRIMARY KEY, NOM TEXT NOT NULL, STATUT INTEGER NOT NULL)`);
  await l.execute(`INSERT INTO CLIENT VALUES (1, 'Crédit', 1), (2, 'CrÃ©dit', 2), (3, 'X', 5)`);
  await l.close();
  const n = await openDatabase(next.url);
  await n.execute(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL)`);
  await n.close();
  const dir = dirname(legacy.name);
  mkdirSync(join(dir, '.siphon'));
  const state = await openDatabase(`sqlite:${join(dir, '.siphon', 'state.sqlite')}`);
  await state.execute('CREATE TABLE t (x INTEGER)');
  await state.close();
  file = join(dir, 'siphon.config.mjs');
  writeFileSync(file, `import { defineMigration, z, clean } from 'siphon';
export default defineMigration({
  name: 'embedded',
  legacy: { db: 'sqlite:${legacy.name.split('/').pop()}' },
  next: { db: '${next.url}' },
  tables: {
    CLIENT: {
      key: 'CLI_ID',
      clean: [clean.repairEncoding('NOM'), clean.codeMap('STATUT', { 1: 'active', 2: 'closed' })],
      to: (row) => ({ customers: [{ id: row.CLI_ID, name: row.NOM, status: row.STATUT }] }),
      schemas: { customers: z.object({ id: z.number(), name: z.string(), status: z.string() }) },
    },
  },
});
`);
});
afterAll(async () => { await legacy?.drop(); await next?.drop(); });

describe('siphon check on an embedded (SQLite) setup', () => {
  it('reports tables, trigger capture readiness and store files, and samples', async () => {
    const r = await runCli(['check', '-c', file, '--json', '--sample', '10', '--max-rejected', '1']);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.problems).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.backends.map((b) => [b.role, b.reachable, b.note ?? ''])).toEqual([
      ['legacy', true, ''], ['next', true, ''], ['state', true, 'exists (1 tables)'], ['log', true, 'will be created on first use'],
    ]);
    expect(report.legacy!.tables[0]).toMatchObject({ name: 'CLIENT', rows: 3, primaryKey: ['CLI_ID'] });
    expect(report.legacy!.capture).toEqual([expect.objectContaining({ method: 'trigger', ready: true })]);
    expect(report.sample!.tables[0]).toMatchObject({
      table: 'CLIENT', read: 3, clean: 2, produced: { customers: 2 },
      failures: [{ stage: 'clean', reason: 'clean codeMap(STATUT): unknown-code 5', count: 1, exampleKeys: ['CLI_ID=3'] }],
    });
  });

  it('--sample is a gate: a row that would not migrate exits 1, unless --max-rejected accepts it', async () => {
    const strict = await runCli(['check', '-c', file, '--json', '--sample', '10']);
    expect(strict.code).toBe(1);
    const report = JSON.parse(strict.stdout) as CheckReport & { rejected: unknown };
    expect(report.problems).toEqual(['1 of 3 sampled rows would not migrate (33.3%); --max-rejected allows 0 rows']);
    expect(report.rejected).toEqual({ rows: 1, read: 3, limit: '0 rows', exceeded: true });
    const human = await runCli(['check', '-c', file, '--sample', '10']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/1 of 3 sampled rows would not migrate[\s\S]*Result: 1 problem found \(exit 1\)/);
    expect((await runCli(['check', '-c', file, '--json', '--sample', '10', '--max-rejected', '1'])).code).toBe(0);
    expect((await runCli(['check', '-c', file, '--json', '--sample', '10', '--max-rejected', '34%'])).code).toBe(0);
    expect((await runCli(['check', '-c', file, '--json', '--sample', '10', '--max-rejected', '33%'])).code).toBe(1);
    const bad = await runCli(['check', '-c', file, '--sample', '10', '--max-rejected', 'some']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a number of rows \(e\.g\. 12\) or a share of the sampled rows \(e\.g\. 0\.5%\), found "some"/);
    const noSample = await runCli(['check', '-c', file, '--max-rejected', '1']);
    expect(noSample.code).toBe(2);
    expect(noSample.stderr).toMatch(/--max-rejected needs --sample N/);
  });

  it('a missing legacy file is unreachable (check never creates a database)', async () => {
    const bad = file.replace('.mjs', '-missing.mjs');
    writeFileSync(bad, `export default { name: 'm', legacy: { db: 'sqlite:nope.sqlite' }, next: { db: '${next.url}' }, tables: {} };`);
    const r = await runCli(['check', '-c', bad, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.backends[0]).toMatchObject({ role: 'legacy', reachable: false });
  });

  it('probes the HTTP upstreams when configured: any status is alive, a refused connection is a problem (exit 1)', async () => {
    const server = createServer((_req, res) => { res.statusCode = 404; res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const closedPort = REFUSED_PORT;
    try {
      const withHttp = file.replace('.mjs', '-http.mjs');
      writeFileSync(withHttp, `export default { name: 'h', legacy: { db: '${legacy.url}', http: 'http://127.0.0.1:${port}' },
        next: { db: '${next.url}', http: 'http://u:Sekr1t@127.0.0.1:${closedPort}' }, tables: {} };`);
      const r = await runCli(['check', '-c', withHttp, '--json']);
      expect(r.stdout).not.toContain('Sekr1t');
      const report = JSON.parse(r.stdout) as CheckReport;
      expect(r.code).toBe(1);
      expect(report.backends.slice(4).map((b) => [b.role, b.reachable, b.note ?? ''])).toEqual([
        ['legacy.http', true, 'HTTP 404'], ['next.http', false, ''],
      ]);
      expect(report.problems).toEqual([expect.stringMatching(/^next\.http http:\/\/u:\*\*\*@127\.0\.0\.1:\d+ is not usable: connect ECONNREFUSED/)]);
    } finally { server.close(); }
  });
});
