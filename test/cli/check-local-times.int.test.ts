import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableSample } from '../../src/config/sample.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { runCli } from './run-cli.js';

// Finding 12 of issue 11: the dry run reports the local times toInstant resolved by a rule (the repeated hour taken
// as its earlier instant, the skipped hour shifted), per column with example keys, instead of calling them clean.
let legacy: FreshDatabase, next: FreshDatabase, file: string;
beforeAll(async () => {
  legacy = await freshDatabase('sqlite');
  next = await freshDatabase('sqlite');
  const l = new Database(legacy.name);
  l.exec('CREATE TABLE EVT (ID INTEGER PRIMARY KEY, AT TEXT NOT NULL)');
  const ins = l.prepare('INSERT INTO EVT VALUES (?, ?)');
  [[1, '2024-10-27 01:30:00'], [2, '2024-10-27 02:10:00'], [3, '2024-10-27 02:50:00'], [4, '2024-10-27 03:10:00'], [5, '2024-03-31 02:30:00']]
    .forEach(([id, at]) => ins.run(id, at));
  l.close();
  const n = new Database(next.name);
  n.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL)');
  n.close();
  file = join(dirname(legacy.name), 'siphon.config.mjs');
  writeFileSync(file, `import { defineMigration, z, clean } from 'siphon';
export default defineMigration({
  name: 'local-times',
  legacy: { db: '${legacy.url}', timezone: 'Europe/Paris' },
  next: { db: '${next.url}' },
  tables: {
    EVT: {
      key: 'ID',
      clean: [clean.toInstant('AT')],
      to: (row) => ({ events: [{ id: row.ID, at: row.AT }] }),
      schemas: { events: z.object({ id: z.number(), at: z.string() }) },
    },
  },
});
`);
});
afterAll(async () => { await legacy?.drop(); await next?.drop(); });

describe('check --sample and ambiguous local times', () => {
  it('counts them per column with example keys, in JSON and in text; the rows still migrate', async () => {
    const r = await runCli(['check', '-c', file, '--json', '--sample', '100']);
    const evt = (JSON.parse(r.stdout) as { sample: { tables: TableSample[] } }).sample.tables[0]!;
    expect(evt).toMatchObject({ read: 5, clean: 5, failures: [] });
    expect(evt.notices).toEqual([
      { kind: 'ambiguous-local-time', column: 'AT', message: expect.stringMatching(/earlier instant/), count: 2, exampleKeys: ['ID=2', 'ID=3'] },
      { kind: 'nonexistent-local-time', column: 'AT', message: expect.stringMatching(/shifted forward/), count: 1, exampleKeys: ['ID=5'] },
    ]);
    const text = await runCli(['check', '-c', file, '--sample', '100']);
    expect(text.stdout).toMatch(/EVT: 3 values cleaned by a rule, not by their content/);
    expect(text.stdout).toMatch(/2\s+AT\s+ambiguous local time \(clocks went back\): the earlier instant was taken\s+ID=2; ID=3/);
  });
});
