import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import type { DdlEvent, RowChange } from '../../src/log/change.js';
import type { EventLog } from '../../src/log/types.js';
import { BinlogCapture } from '../../src/capture/binlog/source.js';
import { logSink } from '../../src/capture/sink.js';
import { ensureWatermarkTable, writeWatermark } from '../../src/capture/watermark.js';
import { int } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { freshSqliteLog, readAll, waitFor } from './helpers.js';
import { TYPED_TABLE } from './legacy-fixtures.js';

describe('MariaDB binary log capture', () => {
  let fresh: FreshDatabase, db: Database, log: EventLog, dropLog: () => Promise<void>;
  beforeAll(async () => {
    fresh = await freshDatabase('mysql');
    db = await openDatabase(fresh.url);
    await db.execute(TYPED_TABLE.mysql.create);
    await db.execute(`CREATE TABLE pair (a INT PRIMARY KEY, v VARCHAR(40))`);
    await db.execute(`CREATE TABLE other (a INT PRIMARY KEY)`);
    await ensureWatermarkTable(db);
    const l = await freshSqliteLog(); log = l.log; dropLog = l.drop;
  });
  afterAll(async () => { await db?.close(); await dropLog?.(); await fresh?.drop(); });

  it('captures changes with SELECT-identical values (zero dates, latin1, unsigned bigint, FLOAT); resumes without duplicates', async () => {
    const opts = { source: 'legacy', tables: ['orders', 'pair'] };
    const cap = new BinlogCapture(db, fresh.url, opts);
    await cap.start(logSink(log, 'legacy'));
    for (const sql of TYPED_TABLE.mysql.rows) await db.execute(sql);
    await db.execute(`INSERT INTO other VALUES (1)`); // not captured
    await db.execute(TYPED_TABLE.mysql.update);
    const selected = await db.readByKeys('orders', ['id'], [[int(1)], [int(2)]]);
    await db.execute(`DELETE FROM orders WHERE id = 2`);
    await writeWatermark(db, 'w1', 'low', 'orders');
    const entries = await waitFor(() => readAll(log), (e) => e.length >= 5, '5 records');
    const changes = entries.slice(0, 4).map((e) => e.record as RowChange);
    expect(changes.map((c) => `${c.op}:${JSON.stringify(c.key)}`)).toEqual([
      'insert:{"id":{"t":"int","v":"1"}}', 'insert:{"id":{"t":"int","v":"2"}}', 'update:{"id":{"t":"int","v":"1"}}', 'delete:{"id":{"t":"int","v":"2"}}',
    ]);
    const byId = (id: string) => selected.find((r) => (r['id'] as { v: string }).v === id)!;
    expect(changes[2]!.after).toEqual(byId('1'));
    expect(changes[1]!.after).toEqual(byId('2'));
    expect(changes[3]!.before).toEqual(byId('2'));
    expect(changes[1]!.after!['zd']).toEqual({ t: 'invalid', reason: 'zero-date', raw: '0000-00-00' });
    expect(entries[4]!.record).toMatchObject({ kind: 'watermark', id: 'w1', phase: 'low', table: 'orders' });
    await cap.stop();

    await db.execute(`INSERT INTO pair VALUES (1, 'while stopped')`);
    const cap2 = new BinlogCapture(db, fresh.url, opts);
    await cap2.start(logSink(log, 'legacy'));
    await db.execute(`INSERT INTO pair VALUES (2, 'after restart')`);
    await waitFor(() => readAll(log), (e) => e.length >= 7, '7 records');
    await new Promise((r) => setTimeout(r, 200));
    const all = await readAll(log);
    expect(all.length).toBe(7);
    expect(all.slice(5).map((e) => JSON.stringify((e.record as RowChange).key))).toEqual(['{"a":{"t":"int","v":"1"}}', '{"a":{"t":"int","v":"2"}}']);
    const st = await cap2.status();
    expect(st.state).toBe('running');
    expect(st.counts['pair']!.insert).toBe(2);
    await cap2.stop();
  });

  it('records ALTER TABLE on a captured table and stops when told to', async () => {
    const cap = new BinlogCapture(db, fresh.url, { source: 'legacy', tables: ['orders', 'pair'], onSchemaChange: 'stop' });
    await cap.start(logSink(log, 'legacy'));
    const other = await openDatabase(fresh.url); // DDL from another session: cached descriptions are stale
    await other.execute(`ALTER TABLE pair ADD COLUMN extra VARCHAR(10) NULL`);
    await other.close();
    await expect(cap.finished).rejects.toThrow(/pair changed shape/);
    const ddl = (await readAll(log)).map((e) => e.record).find((r): r is DdlEvent => r.kind === 'ddl');
    expect(ddl?.statement).toMatch(/ALTER TABLE/i);
    expect(ddl?.columns?.map((c) => c.name)).toEqual(['a', 'v', 'extra']);
    await cap.stop();
  });

  it('follows a schema change when told to', async () => {
    const before = (await readAll(log)).length;
    const cap = new BinlogCapture(db, fresh.url, { source: 'follow', tables: ['pair'], onSchemaChange: 'follow' });
    const { log: log2, drop } = await freshSqliteLog();
    try {
      await cap.start(logSink(log2, 'follow'));
      const other = await openDatabase(fresh.url);
      await other.execute(`ALTER TABLE pair ADD COLUMN n INT NULL`);
      await other.execute(`INSERT INTO pair VALUES (3, 'x', 'y', 42)`);
      await other.close();
      const e = await waitFor(() => readAll(log2), (x) => x.length >= 2, 'ddl + insert');
      expect(e[0]!.record.kind).toBe('ddl');
      expect((e[1]!.record as RowChange).after!['n']).toEqual(int(42));
      await cap.stop();
    } finally { await drop(); }
    expect(before).toBeGreaterThan(0);
  });

  it('stops with a clear error when the stored binary log file was purged', async () => {
    const { log: log3, drop } = await freshSqliteLog();
    try {
      await log3.append([], { sourcePosition: { source: 'legacy', position: JSON.stringify({ m: 'binlog', file: 'mysql-bin.000000', pos: 4, last: null, gtid: null }) } });
      const cap = new BinlogCapture(db, fresh.url, { source: 'legacy', tables: ['pair'] });
      await expect(cap.start(logSink(log3, 'legacy'))).rejects.toThrow(/purged.*backfill/s);
    } finally { await drop(); }
  });
});
