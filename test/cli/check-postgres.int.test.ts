import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import type { CheckReport } from '../../src/config/inspect.js';
import { runCli } from './run-cli.js';

// A PostgreSQL legacy: check reports logical-decoding readiness and composite keys.
let legacy: FreshDatabase, next: FreshDatabase, file: string;

beforeAll(async () => {
  [legacy, next] = await Promise.all([freshDatabase('postgres', 'siphon_chkpg'), freshDatabase('sqlite')]);
  const l = await openDatabase(legacy.url);
  await l.execute(`CREATE TABLE invoice_line (invoice integer NOT NULL, line smallint NOT NULL, label text, amount numeric(12,2), PRIMARY KEY (invoice, line))`);
  await l.execute(`INSERT INTO invoice_line SELECT i / 3, i % 3, 'l' || i, i * 1.5 FROM generate_series(0, 29) i`);
  await l.close();
  const n = await openDatabase(next.url);
  await n.execute(`CREATE TABLE lines (invoice INTEGER NOT NULL, line INTEGER NOT NULL, amount TEXT, PRIMARY KEY (invoice, line))`);
  await n.close();
  file = join(dirname(next.name), 'siphon.config.mts');
  writeFileSync(file, `import { defineMigration, z } from 'siphon';
export default defineMigration({
  name: 'pg-legacy', legacy: { db: '${legacy.url}' }, next: { db: '${next.url}' },
  tables: {
    invoice_line: {
      key: ['invoice', 'line'],
      to: (row) => (Number(row.line) === 2 ? {} : { lines: [{ invoice: row.invoice, line: row.line, amount: row.amount }] }),
      schemas: { lines: z.object({ invoice: z.number(), line: z.number(), amount: z.string() }) },
    },
  },
});
`);
});
afterAll(async () => { await legacy?.drop(); await next?.drop(); });

describe('siphon check with a PostgreSQL legacy', () => {
  it('reports the composite key, pgoutput readiness and a sample where some rows map to nothing', async () => {
    const r = await runCli(['check', '-c', file, '--json', '--sample', '100']);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.problems).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.legacy!.tables[0]).toMatchObject({ name: 'invoice_line', rows: 30, primaryKey: ['invoice', 'line'] });
    const pgoutput = report.legacy!.capture.find((c) => c.method === 'pgoutput');
    expect(pgoutput).toMatchObject({ ready: true });
    expect(report.legacy!.captureReady).toBe(true);
    expect(report.sample!.tables[0]).toMatchObject({ read: 30, clean: 30, share: 1, produced: { lines: 20 }, failures: [] });
  });
});
