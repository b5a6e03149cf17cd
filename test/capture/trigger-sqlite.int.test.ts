import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import type { RowChange } from '../../src/log/change.js';
import type { EventLog } from '../../src/log/types.js';
import { installTriggers, uninstallTriggers } from '../../src/capture/trigger/install.js';
import { TriggerCapture } from '../../src/capture/trigger/source.js';
import { logSink } from '../../src/capture/sink.js';
import { writeWatermark } from '../../src/capture/watermark.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { freshSqliteLog, readAll, waitFor } from './helpers.js';

describe('trigger capture on SQLite', () => {
  let fresh: FreshDatabase, db: Database, log: EventLog, dropLog: () => Promise<void>;
  beforeAll(async () => {
    fresh = await freshDatabase('sqlite');
    db = await openDatabase(fresh.url);
    await db.execute(`CREATE TABLE orders (id INTEGER PRIMARY KEY, amount DECIMAL(10,2), note TEXT, placed DATETIME, data BLOB, flag BOOLEAN, score REAL)`);
    await db.execute(`CREATE TABLE nokey (a TEXT, b TEXT)`);
    const l = await freshSqliteLog(); log = l.log; dropLog = l.drop;
  });
  afterAll(async () => { await db?.close(); await dropLog?.(); await fresh?.drop(); });

  it('refuses tables without a key, listing them', async () => {
    await expect(installTriggers(db, ['orders', 'nokey'])).rejects.toThrow(/nokey/);
  });

  it('captures inserts, updates and deletes with the same values a SELECT gives, and resumes without duplicates', async () => {
    await installTriggers(db, ['orders']);
    const cap = new TriggerCapture(db, { source: 'legacy', tables: ['orders'] });
    await cap.start(logSink(log, 'legacy'));
    await db.execute(`INSERT INTO orders VALUES (1, '12.50', 'héllo', '2024-01-02 03:04:05.123', x'00ff', 1, 0.30000000000000004)`);
    await db.execute(`INSERT INTO orders VALUES (2, 7, CAST(x'ff61' AS TEXT), NULL, NULL, 0, NULL)`);
    await db.execute(`UPDATE orders SET amount = '13.00', note = 'x' WHERE id = 1`);
    const selected = await db.readByKeys('orders', ['id'], [[{ t: 'int', v: '1' }], [{ t: 'int', v: '2' }]]);
    await db.execute(`DELETE FROM orders WHERE id = 2`);
    const entries = await waitFor(() => readAll(log), (e) => e.length >= 4, '4 changes');
    const changes = entries.map((e) => e.record as RowChange);
    expect(changes.map((c) => `${c.op}:${c.key['id'] && JSON.stringify(c.key['id'])}`)).toEqual([
      'insert:{"t":"int","v":"1"}', 'insert:{"t":"int","v":"2"}', 'update:{"t":"int","v":"1"}', 'delete:{"t":"int","v":"2"}',
    ]);
    const byId = (id: string) => selected.find((r) => (r['id'] as { v: string }).v === id)!;
    expect(changes[2]!.after).toEqual(byId('1'));
    expect(changes[1]!.after).toEqual(byId('2'));
    expect(changes[3]!.before).toEqual(byId('2'));
    expect(changes[2]!.before!['amount']).toEqual({ t: 'dec', v: '12.5' });
    // positions strictly increase
    const pos = changes.map((c) => c.position);
    expect([...pos].sort()).toEqual(pos);
    expect(new Set(pos).size).toBe(pos.length);
    await cap.stop();

    // the change table is pruned after the append
    const left = await db.query(`SELECT COUNT(*) AS n FROM siphon_changes`);
    expect(left[0]!['n']).toEqual({ t: 'int', v: '0' });

    // changes while stopped are captured after a restart, nothing repeated
    await db.execute(`INSERT INTO orders (id, amount) VALUES (3, '1.5')`);
    await writeWatermark(db, 'chunk-1', 'low', 'orders');
    const cap2 = new TriggerCapture(db, { source: 'legacy', tables: ['orders'] });
    await cap2.start(logSink(log, 'legacy'));
    const all = await waitFor(() => readAll(log), (e) => e.length >= 6, '6 records');
    await cap2.stop();
    expect(all.length).toBe(6);
    expect(all[4]!.record).toMatchObject({ kind: 'change', op: 'insert', table: 'orders' });
    expect(all[5]!.record).toMatchObject({ kind: 'watermark', id: 'chunk-1', phase: 'low', table: 'orders' });
    const st = await cap2.status();
    expect(st.counts['orders']!.insert).toBe(1);
    await uninstallTriggers(db, ['orders'], { dropChangeTable: true });
    expect(await db.listTables()).not.toContain('siphon_changes');
  });
});
