import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { logSink } from '../../src/capture/sink.js';
import { installTriggers } from '../../src/capture/trigger/install.js';
import { TriggerCapture } from '../../src/capture/trigger/source.js';
import type { LogRecord, RowChange } from '../../src/log/change.js';
import { int } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { freshSqliteLog, readAll, waitFor } from './helpers.js';

// Issue 11, finding 8: a row written right after ALTER TABLE must not be logged without the new column, nor before
// the DDL record. The periodic schema check is set far away so that only the rule under test can catch it.
const FAR = 3_600_000;
const describeRecord = (r: LogRecord) => (r.kind === 'ddl' ? 'ddl' : r.kind === 'change' ? `${r.op} ${JSON.stringify(r.after ?? r.before)}` : r.kind);

describe.each(['sqlite', 'postgres', 'mysql'] as Dialect[])('trigger capture and DDL on %s', (dialect) => {
  let fresh: FreshDatabase, db: Database;
  beforeAll(async () => {
    fresh = await freshDatabase(dialect);
    db = await openDatabase(fresh.url);
    await db.execute(`CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(20))`);
    await db.execute(`CREATE TABLE t2 (id INT PRIMARY KEY, v VARCHAR(20))`);
    await installTriggers(db, ['t1', 't2']);
  });
  afterAll(async () => { await db?.close(); await fresh?.drop(); });

  it('follow: the DDL record comes first and the row written after it carries the new column', async () => {
    const { log, drop } = await freshSqliteLog();
    const cap = new TriggerCapture(db, { source: 'legacy', tables: ['t1'], onSchemaChange: 'follow', schemaCheckIntervalMs: FAR });
    try {
      await cap.start(logSink(log, 'legacy'));
      await db.execute(`INSERT INTO t1 VALUES (1, 'before')`);
      await waitFor(() => readAll(log), (e) => e.length >= 1, 'the first insert');
      const other = await openDatabase(fresh.url); // DDL from another session
      await other.execute(`ALTER TABLE t1 ADD COLUMN n INT`);
      await other.execute(`INSERT INTO t1 (id, v, n) VALUES (2, 'after', 42)`);
      await other.close();
      const records = (await waitFor(() => readAll(log), (e) => e.length >= 3, 'ddl and the second insert')).map((e) => e.record);
      expect(records.map(describeRecord).slice(0, 3)).toEqual([
        `insert ${JSON.stringify({ id: int(1), v: 'before' })}`, 'ddl', `insert ${JSON.stringify({ id: int(2), v: 'after', n: int(42) })}`,
      ]);
      await db.execute(`INSERT INTO t1 (id, v, n) VALUES (3, 'later', 7)`);
      const later = await waitFor(() => readAll(log), (e) => e.length >= 4, 'the third insert');
      expect((later[3]!.record as RowChange).after).toEqual({ id: int(3), v: 'later', n: int(7) });
    } finally { await cap.stop(); await drop(); }
  });

  it('stop: the DDL record is logged, the row after it is not logged short, and a restart logs it whole', async () => {
    const { log, drop } = await freshSqliteLog();
    try {
      const cap = new TriggerCapture(db, { source: 'legacy', tables: ['t2'], onSchemaChange: 'stop', schemaCheckIntervalMs: FAR });
      await cap.start(logSink(log, 'legacy'));
      const other = await openDatabase(fresh.url);
      await other.execute(`ALTER TABLE t2 ADD COLUMN n INT`);
      await other.execute(`INSERT INTO t2 (id, v, n) VALUES (1, 'after', 42)`);
      await other.close();
      await expect(cap.finished).rejects.toThrow(/t2 changed shape/);
      await cap.stop();
      const records = (await readAll(log)).map((e) => e.record);
      expect(records.map((r) => r.kind)).toEqual(['ddl']);
      // the operator restarts capture (having adapted the mappings): the waiting row comes out whole
      await installTriggers(db, ['t2']);
      const cap2 = new TriggerCapture(db, { source: 'legacy', tables: ['t2'], schemaCheckIntervalMs: FAR });
      await cap2.start(logSink(log, 'legacy'));
      try {
        const all = await waitFor(() => readAll(log), (e) => e.length >= 2, 'the row after restart');
        expect((all[1]!.record as RowChange).after).toEqual({ id: int(1), v: 'after', n: int(42) });
      } finally { await cap2.stop(); }
    } finally { await drop(); }
  });

  if (dialect !== 'postgres') { // PostgreSQL images carry every column the row has: never short
    it('a row gone before it could be re-read is logged with its missing columns named, not as NULL', async () => {
      await db.execute(`CREATE TABLE t3 (id INT PRIMARY KEY, v VARCHAR(20))`);
      await installTriggers(db, ['t3']);
      const other = await openDatabase(fresh.url);
      await other.execute(`ALTER TABLE t3 ADD COLUMN n INT`); // while capture is not running: the old triggers stay
      await other.execute(`INSERT INTO t3 (id, v, n) VALUES (1, 'gone', 5)`);
      await other.execute(`DELETE FROM t3 WHERE id = 1`);
      await other.close();
      const { log, drop } = await freshSqliteLog();
      const cap = new TriggerCapture(db, { source: 'legacy', tables: ['t3'], schemaCheckIntervalMs: FAR });
      try {
        await cap.start(logSink(log, 'legacy'));
        const changes = (await waitFor(() => readAll(log), (e) => e.length >= 2, 'insert and delete')).map((e) => e.record as RowChange);
        expect(changes.map((c) => [c.op, c.incomplete])).toEqual([['insert', ['n']], ['delete', ['n']]]);
        expect(changes[0]!.after).toEqual({ id: int(1), v: 'gone' });
      } finally { await cap.stop(); await drop(); }
    });
  }
});
