import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { inlineParams } from '../../src/backends/postgres/lazy-begin.js';
import { int } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';

/**
 * PostgreSQL transactions send BEGIN with their first statement (src/backends/postgres/lazy-begin.ts): one round trip
 * less per transaction. What must hold: the statement runs inside the transaction (rolled back with it), its
 * parameters arrive exactly as bound parameters would, and a COPY, a savepoint or nothing at all as the first step
 * still work.
 */
describe('PostgreSQL: BEGIN sent with the first statement', () => {
  let fresh: FreshDatabase;
  let db: Database;
  beforeAll(async () => {
    fresh = await freshDatabase('postgres');
    db = await openDatabase(fresh.url);
    await db.execute('CREATE TABLE t (id integer PRIMARY KEY, v text)');
  });
  afterAll(async () => { await db?.close(); await fresh?.drop(); });
  afterEach(() => { vi.restoreAllMocks(); });

  it('no BEGIN alone; the first statement is inside the transaction and rolls back with it', async () => {
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    await expect(db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'x']);
      await tx.query('SELECT 1 / 0');
    })).rejects.toThrow();
    expect((await db.query('SELECT count(*) AS n FROM t'))[0]!.n).toEqual(int(0));
    const texts = spy.mock.calls.map((c) => (typeof c[0] === 'string' ? c[0] : (c[0] as { text?: string }).text));
    expect(texts).not.toContain('BEGIN');
    expect(texts.some((t) => t?.startsWith('BEGIN;'))).toBe(true);
  });

  it('one transaction: now() is the same before and after; commit keeps the rows', async () => {
    const [a, b] = await db.transaction(async (tx) => {
      const first = await tx.query('SELECT now()::text AS t, ?::int AS n', [5]);
      await tx.query('SELECT pg_sleep(0.02)');
      await tx.upsert('t', ['id'], [{ id: int(2), v: 'kept' }]);
      return [first[0]!.t, (await tx.query('SELECT now()::text AS t'))[0]!.t];
    });
    expect(a).toBe(b);
    expect((await db.query('SELECT v FROM t WHERE id = 2'))[0]!.v).toBe('kept');
  });

  it('parameters inlined arrive as bound ones would: quotes, backslashes, line ends, unicode, NULL, booleans, numbers', async () => {
    const values = ["it's", 'back\\slash \\x41 \\n', 'line\nend\ttab', 'é 😀 \u2028', null, true, false, 42, 1.5];
    const sql = `SELECT ${values.map((_, i) => `?::text AS c${i}`).join(', ')}, '?' AS lit`;
    const bound = (await db.query(sql, values))[0]!;
    const inTx = await db.transaction(async (tx) => (await tx.query(sql, values))[0]!);
    expect(inTx).toEqual(bound);
    expect(Object.values(bound).slice(0, 4)).toEqual(values.slice(0, 4));
    // a ? inside a literal is not a placeholder; arrays and bytes are not inlined
    expect(inlineParams(`SELECT '?', ?`, ['a'])).toBe(`SELECT '?', E'a'`);
    expect(inlineParams('SELECT ?', [['a']])).toBeUndefined();
    expect(inlineParams('SELECT ?', [Buffer.from('a')])).toBeUndefined();
  });

  it('an error in the first statement names it with its placeholders, never the inlined values', async () => {
    await db.execute("INSERT INTO t (id, v) VALUES (10, 'there')");
    const failed = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id, v) VALUES (?, ?)', [10, 'Jeanne Dupont, 12 rue des Lilas']);
    }).then(() => undefined, (e: Error) => e);
    expect(failed?.message).toMatch(/duplicate key/);
    expect(failed?.message).toContain('INSERT INTO t (id, v) VALUES (?, ?)');
    expect(failed?.message).not.toContain('Dupont');
  });

  it('a COPY or a savepoint first, or no statement at all', async () => {
    await db.transaction(async (tx) => {
      await tx.copyIn('t', [{ name: 'id', type: 'int', nativeType: 'integer', nullable: false }, { name: 'v', type: 'text', nativeType: 'text', nullable: true }], [{ id: int(3), v: 'copied' }]);
    });
    await db.transaction(async (tx) => {
      await tx.transaction(async (sp) => { await sp.query('INSERT INTO t (id, v) VALUES (?, ?)', [4, 'sp']); });
    });
    await db.transaction(async () => undefined);
    expect((await db.query('SELECT id FROM t WHERE id IN (3, 4) ORDER BY id')).map((r) => r.id)).toEqual([int(3), int(4)]);
  });
});
