import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import type { RowChange } from '../../src/log/change.js';
import type { EventLog } from '../../src/log/types.js';
import { installTriggers, uninstallTriggers } from '../../src/capture/trigger/install.js';
import { TriggerCapture } from '../../src/capture/trigger/source.js';
import { logSink } from '../../src/capture/sink.js';
import { writeWatermark } from '../../src/capture/watermark.js';
import { int } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { freshSqliteLog, readAll, waitFor } from './helpers.js';
import { TYPED_TABLE } from './legacy-fixtures.js';

// Engine-specific cases are registered only where they apply: a skipped test would read as a gap in the run.
const itOn = (applies: boolean): typeof it => (applies ? it : ((() => undefined) as unknown as typeof it));

const DIALECTS: Dialect[] = (process.env.SIPHON_CAPTURE_DIALECTS?.split(',') as Dialect[] | undefined) ?? ['sqlite', 'postgres', 'mysql'];

describe.each(DIALECTS)('trigger capture on %s', (dialect) => {
  let fresh: FreshDatabase, db: Database, log: EventLog, dropLog: () => Promise<void>;
  beforeAll(async () => {
    fresh = await freshDatabase(dialect);
    db = await openDatabase(fresh.url);
    await db.execute(TYPED_TABLE[dialect].create);
    await db.execute(`CREATE TABLE nokey (a VARCHAR(10), b VARCHAR(10))`);
    await db.execute(`CREATE TABLE pair (a INT PRIMARY KEY, v VARCHAR(40))`);
    const l = await freshSqliteLog(); log = l.log; dropLog = l.drop;
  });
  afterAll(async () => { await db?.close(); await dropLog?.(); await fresh?.drop(); });

  it('refuses tables without a key, listing them', async () => {
    await expect(installTriggers(db, ['orders', 'nokey'])).rejects.toThrow(/nokey/);
  });

  it('captures inserts, updates and deletes with the values a SELECT gives; resumes without duplicates', async () => {
    await installTriggers(db, ['orders', 'pair']);
    const cap = new TriggerCapture(db, { source: 'legacy', tables: ['orders', 'pair'] });
    await cap.start(logSink(log, 'legacy'));
    for (const sql of TYPED_TABLE[dialect].rows) await db.execute(sql);
    await db.execute(TYPED_TABLE[dialect].update);
    const selected = await db.readByKeys('orders', ['id'], [[int(1)], [int(2)]]);
    await db.execute(`DELETE FROM orders WHERE id = 2`);
    const entries = await waitFor(() => readAll(log), (e) => e.length >= 4, '4 changes');
    const changes = entries.map((e) => e.record as RowChange);
    expect(changes.map((c) => `${c.op}:${JSON.stringify(c.key)}`)).toEqual([
      'insert:{"id":{"t":"int","v":"1"}}', 'insert:{"id":{"t":"int","v":"2"}}', 'update:{"id":{"t":"int","v":"1"}}', 'delete:{"id":{"t":"int","v":"2"}}',
    ]);
    const byId = (id: string) => selected.find((r) => (r['id'] as { v: string }).v === id)!;
    expect(changes[2]!.after).toEqual(byId('1'));
    expect(changes[1]!.after).toEqual(byId('2'));
    expect(changes[3]!.before).toEqual(byId('2'));
    expect(changes[2]!.before!['amount']).toEqual({ t: 'dec', v: '12.5' });
    const pos = changes.map((c) => c.position);
    expect([...pos].sort()).toEqual(pos);
    expect(new Set(pos).size).toBe(pos.length);
    await cap.stop();
    const left = await db.query(`SELECT COUNT(*) AS n FROM siphon_changes`);
    expect(left[0]!['n']).toEqual(int(0));

    await db.execute(`INSERT INTO pair VALUES (1, 'a')`);
    await writeWatermark(db, 'chunk-1', 'low', 'pair');
    const cap2 = new TriggerCapture(db, { source: 'legacy', tables: ['orders', 'pair'] });
    await cap2.start(logSink(log, 'legacy'));
    const all = await waitFor(() => readAll(log), (e) => e.length >= 6, '6 records');
    expect(all.length).toBe(6);
    expect(all[4]!.record).toMatchObject({ kind: 'change', op: 'insert', table: 'pair' });
    expect(all[5]!.record).toMatchObject({ kind: 'watermark', id: 'chunk-1', phase: 'low', table: 'pair' });
    // counts are settled after the append returns, which a reader of the log can see first
    expect((await waitFor(() => cap2.status(), (st) => st.counts['pair'] !== undefined, 'pair counted')).counts['pair']!.insert).toBe(1);
    await cap2.stop();
  });

  it('records a column added by another session; stops, or follows and captures the new column', async () => {
    await db.execute(`CREATE TABLE shape (a INT PRIMARY KEY, v VARCHAR(10))`);
    await installTriggers(db, ['shape']);
    const other = await openDatabase(fresh.url); // another session: the capture's cached table descriptions are stale
    const { log: l2, drop } = await freshSqliteLog();
    try {
      const stop = new TriggerCapture(db, { source: 'shape', tables: ['shape'], schemaCheckIntervalMs: 50, onSchemaChange: 'stop' });
      await stop.start(logSink(l2, 'shape'));
      await other.execute(`ALTER TABLE shape ADD COLUMN n INT NULL`);
      await expect(stop.finished).rejects.toThrow(/shape changed shape.*column n added/);
      await stop.stop();
      expect((await readAll(l2)).map((e) => e.record.kind)).toEqual(['ddl']);

      const follow = new TriggerCapture(db, { source: 'shape', tables: ['shape'], schemaCheckIntervalMs: 50, onSchemaChange: 'follow' });
      await follow.start(logSink(l2, 'shape'));
      await other.execute(`ALTER TABLE shape ADD COLUMN m INT NULL`);
      await waitFor(() => readAll(l2), (e) => e.length >= 2, 'second ddl record');
      await other.execute(`INSERT INTO shape (a, v, n, m) VALUES (1, 'x', 6, 7)`);
      const all = await waitFor(() => readAll(l2), (e) => e.length >= 3, 'insert after ddl').catch(async (e) => { throw new Error(`${(e as Error).message.slice(0, 60)} status=${JSON.stringify(await follow.status())}`); });
      expect(all[1]!.record).toMatchObject({ kind: 'ddl', table: 'shape' });
      expect((all[2]!.record as RowChange).after).toMatchObject({ n: int(6), m: int(7) });
      expect((await follow.status()).state).toBe('running');
      await follow.stop();
    } finally { await drop(); await other.close(); }
  });

  itOn(dialect === 'postgres')('refuses to drain on PostgreSQL without the right to see other sessions\' transactions', async () => {
    const role = `siphon_t_role_${Date.now().toString(36)}`;
    await db.execute(`CREATE ROLE ${role} LOGIN`);
    const u = new URL(fresh.url); u.username = role;
    const weak = await openDatabase(u.toString());
    try {
      const cap = new TriggerCapture(weak, { source: 'weak', tables: ['pair'] });
      await expect(cap.start(logSink(log, 'weak'))).rejects.toThrow(/pg_read_all_stats/);
    } finally { await weak.close(); await db.execute(`DROP ROLE ${role}`); }
  });

  itOn(dialect !== 'sqlite')('never skips a change whose transaction commits after a later one (interleaved commits)', async () => {
    const start = (await readAll(log)).length;
    const cap = new TriggerCapture(db, { source: 'legacy', tables: ['orders', 'pair'], pollIntervalMs: 5 });
    await cap.start(logSink(log, 'legacy'));
    // A takes change id n, B takes n+1 and commits first; a drainer reading "id > last" would pass over A's change
    const { a, b, close } = await twoSessions(dialect, fresh.url);
    try {
      await a.begin(); await a.run(`INSERT INTO pair VALUES (10, 'early id, late commit')`);
      await b.begin(); await b.run(`INSERT INTO pair VALUES (11, 'late id, early commit')`); await b.commit();
      await b.run(`INSERT INTO pair VALUES (12, 'autocommit after')`);
      await new Promise((r) => setTimeout(r, 150)); // let the drainer poll while A is open
      await a.commit();
    } finally { await close(); }
    const all = await waitFor(() => readAll(log), (e) => e.length >= start + 3, '3 more changes').catch(async (e) => { throw new Error(`${(e as Error).message.slice(0, 100)} status=${JSON.stringify(await cap.status())}`); });
    await cap.stop();
    const keys = all.slice(start).map((e) => JSON.stringify((e.record as RowChange).key['a']));
    expect(keys.sort()).toEqual(['{"t":"int","v":"10"}', '{"t":"int","v":"11"}', '{"t":"int","v":"12"}']);
    // delivered in change-id order: A's change (the lower id) first
    expect(JSON.stringify((all[start]!.record as RowChange).key['a'])).toBe('{"t":"int","v":"10"}');
    await uninstallTriggers(db, ['orders', 'pair'], { dropChangeTable: true });
  });
});

interface Session { begin(): Promise<void>; run(sql: string): Promise<void>; commit(): Promise<void> }

async function twoSessions(dialect: Dialect, url: string): Promise<{ a: Session; b: Session; close: () => Promise<void> }> {
  if (dialect === 'postgres') {
    const ca = new pg.Client({ connectionString: url }), cb = new pg.Client({ connectionString: url });
    await ca.connect(); await cb.connect();
    const s = (c: pg.Client): Session => ({ begin: async () => { await c.query('BEGIN'); }, run: async (q) => { await c.query(q); }, commit: async () => { await c.query('COMMIT'); } });
    return { a: s(ca), b: s(cb), close: async () => { await ca.end(); await cb.end(); } };
  }
  const ca = await mysql.createConnection(url), cb = await mysql.createConnection(url);
  const s = (c: mysql.Connection): Session => ({ begin: async () => { await c.query('BEGIN'); }, run: async (q) => { await c.query(q); }, commit: async () => { await c.query('COMMIT'); } });
  return { a: s(ca), b: s(cb), close: async () => { await ca.end(); await cb.end(); } };
}
