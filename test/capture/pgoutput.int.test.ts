import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import type { DdlEvent, RowChange } from '../../src/log/change.js';
import type { EventLog } from '../../src/log/types.js';
import { PgoutputCapture } from '../../src/capture/pgoutput/source.js';
import { dropSlotAndPublication, slotLagBytes } from '../../src/capture/pgoutput/slot.js';
import { logSink } from '../../src/capture/sink.js';
import { ensureWatermarkTable, writeWatermark } from '../../src/capture/watermark.js';
import { int } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { freshSqliteLog, readAll, waitFor } from './helpers.js';
import { TYPED_TABLE } from './legacy-fixtures.js';

describe('pgoutput capture', () => {
  let fresh: FreshDatabase, db: Database, log: EventLog, dropLog: () => Promise<void>;
  const slot = `siphon_t_${Date.now().toString(36)}`;
  beforeAll(async () => {
    fresh = await freshDatabase('postgres');
    db = await openDatabase(fresh.url);
    await db.execute(TYPED_TABLE.postgres.create);
    await db.execute(`CREATE TABLE pair (a INT PRIMARY KEY, v VARCHAR(40))`);
    await ensureWatermarkTable(db);
    const l = await freshSqliteLog(); log = l.log; dropLog = l.drop;
  });
  const started: PgoutputCapture[] = [];
  const track = (c: PgoutputCapture) => { started.push(c); return c; };
  afterAll(async () => {
    // even after a failed test: stop every capture, then drop every slot of this database (a forgotten slot pins WAL)
    for (const c of started) await c.stop().catch(() => undefined);
    for (let i = 0; i < 50; i++) {
      const left = await db.query(`SELECT slot_name FROM pg_replication_slots WHERE database = current_database()`);
      if (left.length === 0) break;
      for (const r of left) await db.query(`SELECT pg_drop_replication_slot(?)`, [String(r['slot_name'])]).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
    await dropSlotAndPublication(db, slot, slot).catch(() => undefined);
    await db?.close(); await dropLog?.(); await fresh?.drop();
  });

  it('refuses to start without a slot unless asked to create it', async () => {
    const cap = track(new PgoutputCapture(db, fresh.url, { source: 'legacy', tables: ['orders'], slot }));
    await expect(cap.start(logSink(log, 'legacy'))).rejects.toThrow(/--create-slot/);
  });

  it('captures changes with SELECT-identical values, confirms the slot after the append, resumes without duplicates', async () => {
    const opts = { source: 'legacy', tables: ['orders', 'pair'], slot, createSlot: true, setReplicaIdentityFull: true };
    const cap = track(new PgoutputCapture(db, fresh.url, opts));
    await cap.start(logSink(log, 'legacy'));
    for (const sql of TYPED_TABLE.postgres.rows) await db.execute(sql);
    await db.execute(TYPED_TABLE.postgres.update);
    const selected = await db.readByKeys('orders', ['id'], [[int(1)], [int(2)]]);
    await db.execute(`DELETE FROM orders WHERE id = 2`);
    await writeWatermark(db, 'w1', 'high', 'orders');
    const entries = await waitFor(() => readAll(log), (e) => e.length >= 5, '5 records');
    const changes = entries.slice(0, 4).map((e) => e.record as RowChange);
    expect(changes.map((c) => `${c.op}:${JSON.stringify(c.key)}`)).toEqual([
      'insert:{"id":{"t":"int","v":"1"}}', 'insert:{"id":{"t":"int","v":"2"}}', 'update:{"id":{"t":"int","v":"1"}}', 'delete:{"id":{"t":"int","v":"2"}}',
    ]);
    const byId = (id: string) => selected.find((r) => (r['id'] as { v: string }).v === id)!;
    expect(changes[2]!.after).toEqual(byId('1'));
    expect(changes[1]!.after).toEqual(byId('2'));
    expect(changes[3]!.before).toEqual(byId('2'));
    expect(changes[2]!.before!['amount']).toEqual({ t: 'dec', v: '12.5' });
    expect(entries[4]!.record).toMatchObject({ kind: 'watermark', id: 'w1', phase: 'high', table: 'orders' });
    const positions = changes.map((c) => c.position);
    expect([...positions].sort()).toEqual(positions);
    // the slot is confirmed up to the last appended commit: lag shrinks to (near) nothing
    await waitFor(async () => (await cap.status()).details['ackedLsn'], (v) => typeof v === 'string', 'slot acknowledged');
    await cap.stop();
    const lag = await slotLagBytes(db, slot);
    expect(lag).not.toBeNull();

    await db.execute(`INSERT INTO pair VALUES (1, 'while stopped')`);
    const cap2 = track(new PgoutputCapture(db, fresh.url, opts));
    await cap2.start(logSink(log, 'legacy'));
    const all = await waitFor(() => readAll(log), (e) => e.length >= 6, '6 records');
    await new Promise((r) => setTimeout(r, 200));
    expect((await readAll(log)).length).toBe(6);
    expect(all[5]!.record).toMatchObject({ kind: 'change', table: 'pair', op: 'insert' });
    await cap2.stop();
  });

  it('without REPLICA IDENTITY FULL a delete carries the key as its before image, and the gap is reported', async () => {
    await db.execute(`CREATE TABLE plain (a INT PRIMARY KEY, v TEXT, tags INT[])`);
    const { log: l2, drop } = await freshSqliteLog();
    const s2 = `${slot}_p`;
    try {
      const cap = track(new PgoutputCapture(db, fresh.url, { source: 'plain', tables: ['plain'], slot: s2, createSlot: true }));
      await cap.start(logSink(l2, 'plain'));
      expect((await cap.status()).details['replicaIdentityNotFull']).toBe('plain');
      expect((await cap.status()).details['unknownTypes']).toMatch(/^plain\.tags \(/);
      await db.execute(`INSERT INTO plain VALUES (1, 'x')`);
      await db.execute(`DELETE FROM plain WHERE a = 1`);
      const e = await waitFor(() => readAll(l2), (x) => x.length >= 2, 'insert + delete');
      expect(e[1]!.record).toMatchObject({ kind: 'change', op: 'delete', key: { a: int(1) }, before: { a: int(1) }, after: null });
      await cap.stop();
    } finally { await drop(); await dropSlotAndPublication(db, s2, s2); }
  });

  it('keeps the slot moving with heartbeats while captured tables are idle (no record for them)', async () => {
    await db.execute(`CREATE TABLE busy (a INT PRIMARY KEY)`);
    const { log: l3, drop } = await freshSqliteLog();
    const s3 = `${slot}_h`;
    try {
      const cap = track(new PgoutputCapture(db, fresh.url, { source: 'idle', tables: ['pair'], slot: s3, createSlot: true, heartbeatIntervalMs: 100 }));
      await cap.start(logSink(l3, 'idle'));
      for (let i = 0; i < 5; i++) await db.execute(`INSERT INTO busy VALUES (${i})`); // WAL the slot does not publish
      await waitFor(async () => (await cap.status()).details['ackedLsn'], (v) => typeof v === 'string', 'slot confirmed without captured changes');
      expect((await readAll(l3)).length).toBe(0); // heartbeats move the position; they are not records
      await cap.stop();
    } finally { await drop(); await dropSlotAndPublication(db, s3, s3); }
  });

  it('records a column change as a DDL record and stops when told to', async () => {
    const cap = track(new PgoutputCapture(db, fresh.url, { source: 'legacy', tables: ['orders', 'pair'], slot, onSchemaChange: 'stop' }));
    await cap.start(logSink(log, 'legacy'));
    await db.execute(`ALTER TABLE pair ADD COLUMN extra TEXT`);
    await db.execute(`INSERT INTO pair VALUES (2, 'after ddl', 'x')`);
    await expect(cap.finished).rejects.toThrow(/pair changed shape/);
    const all = await readAll(log);
    const ddl = all.map((e) => e.record).find((r): r is DdlEvent => r.kind === 'ddl');
    expect(ddl?.table).toBe('pair');
    expect(ddl?.columns?.map((c) => c.name)).toEqual(['a', 'v', 'extra']);
    await cap.stop();
  });
});
