import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { BinlogCapture } from '../../src/capture/binlog/source.js';
import { PgoutputCapture } from '../../src/capture/pgoutput/source.js';
import { logSink } from '../../src/capture/sink.js';
import { installTriggers } from '../../src/capture/trigger/install.js';
import { TriggerCapture } from '../../src/capture/trigger/source.js';
import type { CaptureSource } from '../../src/capture/types.js';
import type { RowChange } from '../../src/log/change.js';
import type { EventLog } from '../../src/log/types.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { freshSqliteLog, readAll, waitFor } from './helpers.js';

// Issue 11, findings 9 and 10, on every capture method: a key-changing UPDATE carries the old key explicitly; an
// UPDATE that changes nothing is not logged (the binary log has none; triggers and pgoutput saw one).
const METHODS: Record<Dialect, string[]> = { mysql: ['binlog', 'trigger'], postgres: ['pgoutput', 'trigger'], sqlite: ['trigger'] };

const summary = (c: RowChange) => `${c.op} ${JSON.stringify(c.key)}${c.oldKey ? ` from ${JSON.stringify(c.oldKey)}` : ''}`;

describe.each(['mysql', 'postgres', 'sqlite'] as Dialect[])('key changes and no-op updates on %s', (dialect) => {
  let fresh: FreshDatabase, db: Database;
  const started: { source: CaptureSource; log: EventLog; drop: () => Promise<void>; method: string }[] = [];
  const slot = `siphon_kc_${Date.now().toString(36)}`;
  beforeAll(async () => {
    fresh = await freshDatabase(dialect);
    db = await openDatabase(fresh.url);
    await db.execute(`CREATE TABLE kc (id INT NOT NULL, sub INT NOT NULL, v VARCHAR(20), PRIMARY KEY (id, sub))`);
  });
  afterAll(async () => {
    for (const s of started) { await s.source.stop().catch(() => undefined); await s.drop(); }
    if (dialect === 'postgres') await db.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?`, [slot]).catch(() => undefined);
    await db?.close(); await fresh?.drop();
  });

  it.each(METHODS[dialect])('%s logs the old key of a key change and skips the no-op update', async (method) => {
    if (started.length === 0) {
      await installTriggers(db, ['kc']);
      for (const m of METHODS[dialect]) {
        const opts = { source: 'legacy', tables: ['kc'] };
        const source: CaptureSource = m === 'binlog' ? new BinlogCapture(db, fresh.url, opts)
          : m === 'pgoutput' ? new PgoutputCapture(db, fresh.url, { ...opts, slot, createSlot: true, setReplicaIdentityFull: true })
          : new TriggerCapture(db, opts);
        const { log, drop } = await freshSqliteLog();
        await source.start(logSink(log, 'legacy'));
        started.push({ source, log, drop, method: m });
      }
      await db.execute(`INSERT INTO kc VALUES (1, 1, 'a')`);
      await db.execute(`UPDATE kc SET id = 2 WHERE id = 1`);
      await db.execute(`UPDATE kc SET v = v WHERE id = 2`);
      await db.execute(`UPDATE kc SET v = 'b' WHERE id = 2`);
      await db.execute(`DELETE FROM kc`);
    }
    const run = started.find((s) => s.method === method)!;
    await waitFor(() => readAll(run.log), (e) => e.filter((x) => x.record.kind === 'change' && x.record.op === 'delete').length >= 1, 'the delete');
    const changes = (await readAll(run.log)).map((e) => e.record).filter((r): r is RowChange => r.kind === 'change' && r.table === 'kc');
    const k = (id: number) => JSON.stringify({ id: { t: 'int', v: String(id) }, sub: { t: 'int', v: '1' } });
    expect(changes.map(summary)).toEqual([
      `insert ${k(1)}`,
      `update ${k(2)} from ${k(1)}`,
      `update ${k(2)}`,
      `delete ${k(2)}`,
    ]);
    expect(changes[3]!.after).toBeNull();
    expect(changes[2]!.after!['v']).toBe('b');
  });

  if (dialect === 'postgres') {
    it('pgoutput without REPLICA IDENTITY FULL takes the old key from the old-key tuple', async () => {
      await db.execute(`CREATE TABLE kc2 (id INT PRIMARY KEY, v TEXT)`);
      const source = new PgoutputCapture(db, fresh.url, { source: 'legacy', tables: ['kc2'], slot: `${slot}_2`, publication: `${slot}_2`, createSlot: true });
      const { log, drop } = await freshSqliteLog();
      started.push({ source, log, drop, method: 'pgoutput-default' });
      await source.start(logSink(log, 'legacy'));
      await db.execute(`INSERT INTO kc2 VALUES (1, 'a')`);
      await db.execute(`UPDATE kc2 SET id = 2`);
      await db.execute(`UPDATE kc2 SET v = 'b'`);
      const changes = await waitFor(async () => (await readAll(log)).map((e) => e.record).filter((r): r is RowChange => r.kind === 'change'), (c) => c.length >= 3, '3 changes');
      expect(changes.map(summary)).toEqual([
        'insert {"id":{"t":"int","v":"1"}}', 'update {"id":{"t":"int","v":"2"}} from {"id":{"t":"int","v":"1"}}', 'update {"id":{"t":"int","v":"2"}}',
      ]);
      await db.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active`, [`${slot}_2`]).catch(() => undefined);
    });
  }
});
