import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresDatabase } from '../../src/backends/postgres/database.js';
import { openDatabase } from '../../src/backends/open.js';
import { freshDatabase } from '../support/engines.js';
import { int, type Row } from '../../src/values/index.js';
import type { UpsertWrite } from '../../src/backends/types.js';
import { harness, ins, rows, upd, type Harness } from './support.js';

/**
 * A batch of captured changes on PostgreSQL writes its next rows, versions, lineage and checkpoint in ONE statement
 * (`Database.upsertWith`: the row upserts become data-modifying CTEs of Siphon's `writeAll`). What must hold there:
 * a child whose parent is written by the same statement passes its foreign key (checked at the statement's end), a
 * row the engine refuses fails the statement and bisection still isolates it, the checkpoint moves with the rows.
 */
describe('apply: rows + Siphon tables + checkpoint in one statement (PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => { h = await harness('postgres'); });
  afterAll(async () => { await h?.close(); });
  afterEach(() => { vi.restoreAllMocks(); });

  it('one upsertWith per batch, no separate upsert; children before their parents in the batch pass the FK', async () => {
    const upsert = vi.spyOn(PostgresDatabase.prototype, 'upsert');
    const upsertWith = vi.spyOn(PostgresDatabase.prototype, 'upsertWith');
    const r = await h.applier.apply([
      ins('C', 1, 1, { parent_id: 10, label: 'a' }),
      ins('I', 5, 2, { name: 'five', qty: 3, tags: 'x,y' }),
      ins('P', 10, 3, { name: 'ten' }),
      upd('I', 5, 4, { name: 'five!', qty: 4, tags: 'y' }),
    ], { checkpoint: { consumer: 'one', expected: null, next: '4' } });
    expect(r.items?.map((i) => i.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(upsertWith).toHaveBeenCalledTimes(1);
    expect(upsert).not.toHaveBeenCalled();
    expect(await rows(h.next, 'parents')).toEqual([{ id: 10, name: 'ten' }]);
    expect(await rows(h.next, 'children')).toEqual([{ id: 1, parent_id: 10, label: 'a' }]);
    expect(await rows(h.next, 'items')).toEqual([{ id: 5, name: 'five!', qty: 4 }]);
    expect(await rows(h.next, 'item_tags', '2')).toEqual([{ item_id: 5, tag: 'y' }]);
    const versions = await h.next.query(`SELECT source_table, legacy_key, version FROM siphon.row_versions ORDER BY 1, 2`);
    expect(versions.map((v) => `${String(v.source_table)} ${String(v.legacy_key)}`)).toEqual(['C int:1', 'I int:5', 'P int:10']);
    expect((await h.next.query(`SELECT position FROM siphon.checkpoints WHERE consumer = 'one'`))[0]!.position).toBe('4');
  });

  it('a row the engine refuses fails the statement: bisection quarantines it alone, the rest and the checkpoint are written', async () => {
    const r = await h.applier.apply([
      ins('I', 20, 10, { name: 'ok', qty: 1 }),
      ins('I', 21, 11, { name: 'bad', qty: -1 }), // CHECK (qty >= 0)
      ins('P', 22, 12, { name: 'p' }),
    ], { checkpoint: { consumer: 'one', expected: '4', next: '12' } });
    expect(r.items?.map((i) => i.outcome)).toEqual(['applied', 'quarantined', 'applied']);
    expect(r.items?.[1]?.reason).toBe('database');
    expect((await rows(h.next, 'items')).map((x) => x.id)).toEqual([5, 20]);
    expect((await h.next.query(`SELECT count(*) AS n FROM siphon.row_versions WHERE legacy_key = 'int:21'`))[0]!.n).toEqual(int(0));
    expect((await h.next.query(`SELECT position FROM siphon.checkpoints WHERE consumer = 'one'`))[0]!.position).toBe('12');
  });

  it('a stale checkpoint writes nothing: rows and versions roll back with the statement', async () => {
    await expect(h.applier.apply([ins('P', 30, 20, { name: 'late' })], { checkpoint: { consumer: 'one', expected: '4', next: '20' } })).rejects.toThrow();
    expect((await rows(h.next, 'parents')).map((x) => x.id)).toEqual([10, 22]);
  });
});

describe('Database.upsertWith: same effect as upsert + query, on both engines', () => {
  for (const dialect of ['postgres', 'sqlite'] as const) {
    it(`${dialect}: two column sets, a key twice (last wins), the statement's rows returned`, async () => {
      const fresh = await freshDatabase(dialect);
      const db = await openDatabase(fresh.url);
      try {
        await db.execute(`CREATE TABLE t (id integer PRIMARY KEY, a text, b text)`);
        await db.execute(`CREATE TABLE u (id integer PRIMARY KEY, t_id integer REFERENCES t (id))`);
        await db.execute(`CREATE TABLE log (n integer)`);
        const sql = dialect === 'postgres'
          ? `WITH w AS (INSERT INTO log (n) SELECT ?::int RETURNING n) SELECT n FROM w`
          : `WITH w AS (SELECT ? AS n) SELECT n FROM w`;
        const child: UpsertWrite = { table: 'u', key: ['id'], rows: [{ id: int(7), t_id: int(1) }] };
        const parent: UpsertWrite = { table: 't', key: ['id'], rows: [{ id: int(1), a: 'x' }, { id: int(2), a: 'y', b: 'z' }, { id: int(1), a: 'x2' }] as Row[] };
        // PostgreSQL: one statement, the foreign key checked at its end (the child's CTE may come first); SQLite:
        // separate statements in the order given, parent first as apply gives them
        const out = await db.transaction((tx) => tx.upsertWith!(dialect === 'postgres' ? [child, parent] : [parent, child], sql, [42]));
        expect(out.map((r) => String((r.n as { v: string }).v ?? r.n))).toEqual(['42']);
        expect(await rows(db, 't')).toEqual([{ id: 1, a: 'x2', b: null }, { id: 2, a: 'y', b: 'z' }]);
        expect(await rows(db, 'u')).toEqual([{ id: 7, t_id: 1 }]);
      } finally { await db.close(); await fresh.drop(); }
    });
  }
});
