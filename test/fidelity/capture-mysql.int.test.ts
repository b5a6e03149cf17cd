import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { BinlogCapture } from '../../src/capture/binlog/source.js';
import { installTriggers } from '../../src/capture/trigger/install.js';
import { TriggerCapture } from '../../src/capture/trigger/source.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { runFidelity, startMethod, type MethodRun } from './capture-harness.js';
import { fidelityTable } from './fixtures.js';

describe('type fidelity of capture on MariaDB: SELECT = binlog = triggers, value by value', () => {
  const fixture = fidelityTable('mysql');
  let fresh: FreshDatabase, db: Database, writer: mysql.Connection;
  const runs: MethodRun[] = [];
  beforeAll(async () => {
    fresh = await freshDatabase('mysql');
    db = await openDatabase(fresh.url);
    writer = await mysql.createConnection(fresh.url);
    for (const s of fixture.session) await writer.query(s);
    for (const s of fixture.create) await writer.query(s);
  });
  afterAll(async () => {
    for (const r of runs) { await r.source.stop().catch(() => undefined); await r.drop(); }
    await writer?.end(); await db?.close(); await fresh?.drop();
  });

  it('captures every type at its extremes and odd values exactly as SELECT reads it, by every method', async () => {
    await installTriggers(db, [fixture.table]);
    const opts = { source: 'legacy', tables: [fixture.table] };
    runs.push(await startMethod('binlog', new BinlogCapture(db, fresh.url, opts)));
    runs.push(await startMethod('trigger', new TriggerCapture(db, opts)));
    const mismatches = await runFidelity(db, fixture, async (sql) => { await writer.query(sql); }, runs);
    expect(mismatches.join("\n")).toBe("");
  });
});
