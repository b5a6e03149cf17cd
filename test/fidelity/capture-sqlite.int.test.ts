import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { installTriggers } from '../../src/capture/trigger/install.js';
import { TriggerCapture } from '../../src/capture/trigger/source.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { runFidelity, startMethod, type MethodRun } from './capture-harness.js';
import { fidelityTable } from './fixtures.js';

describe('type fidelity of capture on SQLite: SELECT = triggers, value by value', () => {
  const fixture = fidelityTable('sqlite');
  let fresh: FreshDatabase, db: Database;
  const runs: MethodRun[] = [];
  beforeAll(async () => {
    fresh = await freshDatabase('sqlite');
    db = await openDatabase(fresh.url);
    for (const s of fixture.create) await db.execute(s);
  });
  afterAll(async () => {
    for (const r of runs) { await r.source.stop().catch(() => undefined); await r.drop(); }
    await db?.close(); await fresh?.drop();
  });

  it('captures every type at its extremes and odd values exactly as SELECT reads it', async () => {
    await installTriggers(db, [fixture.table]);
    runs.push(await startMethod('trigger', new TriggerCapture(db, { source: 'legacy', tables: [fixture.table] })));
    const mismatches = await runFidelity(db, fixture, (sql) => db.execute(sql), runs);
    expect(mismatches.join('\n')).toBe('');
  });
});
