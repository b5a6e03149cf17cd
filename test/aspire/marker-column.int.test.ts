import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aspireWorld, entityCounts, type AspireWorld } from './setup.js';

/** `entities.customer.migratedColumn`: aspire sets that column of the root row instead of a siphon_migrated line. */
describe('aspire marks a column the config names (SQLite)', () => {
  let w: AspireWorld;
  beforeAll(async () => { w = await aspireWorld('sqlite', 8, 3, { migratedColumn: 'MIGRE_LE' }); }, 120_000);
  afterAll(async () => { await w?.drop(); });

  it('sets CLIENT.MIGRE_LE of the aspired customer only, creates no side table, and next still equals legacy', async () => {
    const r = await w.migration.aspirer!.aspire({ entity: 'customer', key: '2', trigger: 'cli' });
    expect(r.outcome).toBe('migrated');
    const marked = await w.legacy.query(`SELECT CLI_ID, MIGRE_LE FROM CLIENT WHERE MIGRE_LE IS NOT NULL`);
    expect(marked).toHaveLength(1);
    expect(String(marked[0]!['MIGRE_LE'])).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await w.legacy.listTables()).not.toContain('siphon_migrated');
    // the mark is a legacy write like any other: captured, applied, next unchanged in what it maps
    await w.migration.drain();
    const c = await entityCounts(w, 2);
    expect(c.next).toEqual(c.legacy);
  }, 60_000);
});
