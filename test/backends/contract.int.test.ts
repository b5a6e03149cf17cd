import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALL_DIALECTS, freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { ConnectionError, TableNotFoundError, WriteValueError } from '../../src/backends/errors.js';
import { compareKeys, dec, int, invalid, rowEquals, type Row, type Value } from '../../src/values/index.js';
import { createTable } from './ddl.js';

// One contract, every engine: what a caller of Database may rely on, checked against the real servers.
const DIALECTS: readonly Dialect[] = ALL_DIALECTS;

describe.each(DIALECTS)('Database contract on %s', (dialect) => {
  let fresh: FreshDatabase;
  let db: Database;
  const q = (n: string) => db.quoteIdent(n);

  beforeAll(async () => {
    fresh = await freshDatabase(dialect);
    db = await openDatabase(fresh.url);
    await db.execute(createTable(dialect, 'orders', { region: 'key_text', id: 'int', code: 'key_text', amount: 'dec12_2', note: 'text' },
      ['region', 'id'], [`UNIQUE (${dialect === 'mysql' ? '`code`' : '"code"'})`]));
    await db.execute(createTable(dialect, 'keys', { k1: 'key_text', k2: 'bigint', v: 'int' }, ['k1', 'k2']));
  });
  afterAll(async () => { await db?.close(); await fresh?.drop(); });

  const order = (region: string, id: number, amount = '10.00', note: string | null = null): Row =>
    ({ region, id: int(id), code: `${region}-${id}`, amount: dec(amount), note });

  it('describes tables: columns in order, logical types, primary key in key order, unique keys', async () => {
    expect(await db.listTables()).toEqual(expect.arrayContaining(['orders', 'keys']));
    const t = await db.describeTable('orders');
    expect(t.columns.map((c) => c.name)).toEqual(['region', 'id', 'code', 'amount', 'note']);
    expect(t.columns.map((c) => c.type)).toEqual(['text', 'int', 'text', 'dec', 'text']);
    expect(t.columns.find((c) => c.name === 'amount')).toMatchObject({ precision: 12, scale: 2 });
    expect(t.columns.find((c) => c.name === 'region')?.nullable).toBe(false);
    expect(t.columns.find((c) => c.name === 'note')?.nullable).toBe(true);
    expect(t.primaryKey).toEqual(['region', 'id']);
    expect(t.uniqueKeys).toEqual([['code']]);
    const k = await db.describeTable('keys');
    expect(k.primaryKey).toEqual(['k1', 'k2']);
  });

  it('describes foreign keys: columns, referenced table and columns, in key order (none: an empty list)', async () => {
    const q2 = (n: string) => (dialect === 'mysql' ? `\`${n}\`` : `"${n}"`);
    await db.execute(createTable(dialect, 'fk_parent', { a: 'key_text', b: 'int', c: 'int' }, ['a', 'b'], [`UNIQUE (${q2('c')})`]));
    await db.execute(createTable(dialect, 'fk_child', { id: 'int', pa: 'key_text', pb: 'int', pc: 'int' }, ['id'], [
      `CONSTRAINT fk_child_parent FOREIGN KEY (${q2('pa')}, ${q2('pb')}) REFERENCES ${q2('fk_parent')} (${q2('a')}, ${q2('b')})`,
      `CONSTRAINT fk_child_c FOREIGN KEY (${q2('pc')}) REFERENCES ${q2('fk_parent')} (${q2('c')})`,
    ]));
    const child = await db.describeTable('fk_child', { fresh: true });
    const fks = [...(child.foreignKeys ?? [])].sort((x, y) => x.columns.length - y.columns.length);
    expect(fks.map((f) => ({ columns: f.columns, refTable: f.refTable, refColumns: f.refColumns }))).toEqual([
      { columns: ['pc'], refTable: 'fk_parent', refColumns: ['c'] },
      { columns: ['pa', 'pb'], refTable: 'fk_parent', refColumns: ['a', 'b'] },
    ]);
    expect((await db.describeTable('fk_parent', { fresh: true })).foreignKeys).toEqual([]);
    await db.execute(`DROP TABLE ${q2('fk_child')}`);
    await db.execute(`DROP TABLE ${q2('fk_parent')}`);
  });

  it('names the existing tables when a table is missing', async () => {
    const err = await db.describeTable('ordres').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TableNotFoundError);
    expect((err as Error).message).toMatch(/ordres.*orders/);
  });

  it('caches table descriptions, and reads the catalog again when asked for a fresh one (DDL by another session)', async () => {
    await db.execute('CREATE TABLE shape_probe (id INTEGER PRIMARY KEY, a INTEGER)');
    expect((await db.describeTable('shape_probe')).columns.map((c) => c.name)).toEqual(['id', 'a']);
    const other = await openDatabase(fresh.url);
    try { await other.execute('ALTER TABLE shape_probe ADD COLUMN b INTEGER'); } finally { await other.close(); }
    expect((await db.describeTable('shape_probe')).columns.map((c) => c.name)).toEqual(['id', 'a']);
    expect((await db.describeTable('shape_probe', { fresh: true })).columns.map((c) => c.name)).toEqual(['id', 'a', 'b']);
    await db.execute('DROP TABLE shape_probe');
  });

  it('upserts (insert, then update by key) and counts', async () => {
    await db.upsert('orders', ['region', 'id'], [order('eu', 1, '12.50', 'first'), order('eu', 2), order('us', 1)]);
    expect(await db.countRows('orders')).toBe(3);
    await db.upsert('orders', ['region', 'id'], [order('eu', 1, '99.99', 'changed'), order('eu', 3)]);
    expect(await db.countRows('orders')).toBe(4);
    const [row] = await db.readByKeys('orders', ['region', 'id'], [['eu', int(1)]]);
    expect(row).toEqual(order('eu', 1, '99.99', 'changed'));
    // the same key twice in one call: the later row wins
    await db.upsert('orders', ['region', 'id'], [order('us', 1, '1.00'), order('us', 1, '2.00')]);
    expect((await db.readByKeys('orders', ['region', 'id'], [['us', int(1)]]))[0]?.amount).toEqual(dec('2'));
  });

  it('upserts by a unique key and refuses a key that is not unique', async () => {
    await db.upsert('orders', ['code'], [order('eu', 2, '5.5', 'by code')]);
    expect((await db.readByKeys('orders', ['code'], [['eu-2']]))[0]).toEqual(order('eu', 2, '5.50', 'by code'));
    await expect(db.upsert('orders', ['amount'], [order('eu', 2)])).rejects.toThrow(/neither the primary key/);
  });

  it('refuses to write an invalid value, naming table and column', async () => {
    const bad = { ...order('eu', 9), note: invalid('invalid-encoding', 'ff') };
    const err = await db.upsert('orders', ['region', 'id'], [bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteValueError);
    expect((err as Error).message).toMatch(/orders\.note/);
    expect(await db.readByKeys('orders', ['region', 'id'], [['eu', int(9)]])).toEqual([]);
  });

  it('deletes by keys and returns the count', async () => {
    await db.upsert('orders', ['region', 'id'], [order('zz', 1), order('zz', 2), order('zz', 3)]);
    expect(await db.deleteByKeys('orders', ['region', 'id'], [['zz', int(1)], ['zz', int(3)], ['zz', int(42)]])).toBe(2);
    const left = await db.query(`SELECT ${q('id')} FROM ${q('orders')} WHERE ${q('region')} = ?`, ['zz']);
    expect(left).toEqual([{ id: int(2) }]);
  });

  it('rolls a transaction back when its function throws, commits when it resolves', async () => {
    const before = await db.countRows('orders');
    await expect(db.transaction(async (tx) => {
      await tx.upsert('orders', ['region', 'id'], [order('tx', 1)]);
      expect(await tx.countRows('orders')).toBe(before + 1);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await db.countRows('orders')).toBe(before);
    const out = await db.transaction(async (tx) => {
      await tx.upsert('orders', ['region', 'id'], [order('tx', 2)]);
      // a nested failure rolls back only its own part
      await tx.transaction(async (inner) => { await inner.upsert('orders', ['region', 'id'], [order('tx', 3)]); throw new Error('inner'); }).catch(() => undefined);
      return 'done';
    });
    expect(out).toBe('done');
    expect(await db.readByKeys('orders', ['region', 'id'], [['tx', int(2)], ['tx', int(3)]])).toHaveLength(1);
  });

  it('an upsert that fails midway leaves nothing behind (one transaction per call)', async () => {
    const before = await db.countRows('orders');
    const rows = Array.from({ length: 1200 }, (_, i) => order('big', i));
    rows[1100] = { ...rows[1100]!, note: invalid('zero-date', '0000-00-00') };
    await expect(db.upsert('orders', ['region', 'id'], rows)).rejects.toBeInstanceOf(WriteValueError);
    expect(await db.countRows('orders')).toBe(before);
  });

  it('runs raw queries with ? parameters, leaving ? inside string literals alone', async () => {
    const rows = await db.query(`SELECT ${q('id')}, 'what?' AS lit FROM ${q('orders')} WHERE ${q('region')} = ? AND ${q('id')} >= ? ORDER BY ${q('id')}`, ['eu', 2]);
    expect(rows.map((r) => r.id)).toEqual([int(2), int(3)]);
    expect(rows[0]?.lit).toBe('what?');
  });

  it('streams composite keys in key order across page boundaries, with bounds', async () => {
    const keys: [string, number][] = [];
    for (const k1 of ['a', 'B', 'b', 'é', 'e', 'Z', 'ab', 'a b', '']) for (const k2 of [-5, 0, 3, 2 ** 40]) keys.push([k1, k2]);
    await db.upsert('keys', ['k1', 'k2'], keys.map(([k1, k2], i) => ({ k1, k2: int(k2), v: int(i) })));
    const batches: Row[][] = [];
    for await (const b of db.streamRows({ table: 'keys', key: ['k1', 'k2'], batchSize: 7 })) batches.push(b);
    expect(batches.every((b) => b.length <= 7)).toBe(true);
    const got = batches.flat().map((r) => [r.k1, r.k2] as Value[]);
    const want = keys.map(([a, b]) => [a, int(b)] as Value[]).sort(compareKeys);
    expect(got).toEqual(want);
    const mid = want[10]!, end = want[20]!;
    const bounded: Value[][] = [];
    for await (const b of db.streamRows({ table: 'keys', key: ['k1', 'k2'], after: mid, until: end, batchSize: 4, columns: ['v'] })) bounded.push(...b.map((r) => [r.k1, r.k2] as Value[]));
    expect(bounded).toEqual(want.slice(11, 21));
  });

  it('orders keys exactly as compareKeys does (property)', async () => {
    await db.execute(createTable(dialect, 'prop', { k1: 'key_text', k2: 'bigint' }, ['k1', 'k2']));
    const text = fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'é', 'É', 'e', ' ', 'z', 'ß', '€', '😀', 'ｚ', '0', '-'), maxLength: 4 });
    // a small range too, so that many keys share k2 or k1 and the second column decides
    const big = fc.oneof(fc.bigInt({ min: -2n, max: 2n }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }));
    await fc.assert(fc.asyncProperty(fc.uniqueArray(fc.tuple(text, big), { minLength: 1, maxLength: 30, selector: ([a, b]) => `${a}|${b}` }), async (keys) => {
      await db.execute(`DELETE FROM ${q('prop')}`);
      // binary comparison of text: 'a' and 'a ' are different keys on every engine
      await db.upsert('prop', ['k1', 'k2'], keys.map(([k1, k2]) => ({ k1, k2: int(k2) })));
      const got = (await db.readPage({ table: 'prop', key: ['k1', 'k2'], limit: 100 })).map((r) => [r.k1, r.k2] as Value[]);
      const want = keys.map(([a, b]) => [a, int(b)] as Value[]).sort(compareKeys);
      expect(got).toEqual(want);
    }), { numRuns: 25 });
  });

  it('orders text keys by code point even when the column collation is case-insensitive', async () => {
    await db.execute(createTable(dialect, 'ci', { k: 'ci_text' }, ['k']));
    const keys = ['c', 'B', 'z', 'a', 'Ö', 'é', 'D'];
    await db.upsert('ci', ['k'], keys.map((k) => ({ k })));
    const got: Value[] = [];
    for await (const b of db.streamRows({ table: 'ci', key: ['k'], batchSize: 2 })) got.push(...b.map((r) => r.k!));
    expect(got).toEqual([...keys].sort((a, b) => compareKeys([a], [b])));
    expect(await db.readByKeys('ci', ['k'], [['b'], ['B']])).toEqual([{ k: 'B' }]);
  });

  it('converges to the model after any sequence of upserts and deletes (property)', async () => {
    await db.execute(createTable(dialect, 'conv', { k1: 'key_text', k2: 'int', v: 'dec12_2' }, ['k1', 'k2']));
    const key = fc.tuple(fc.constantFrom('a', 'A', 'é', 'a '), fc.integer({ min: -2, max: 2 }));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('upsert' as const), rows: fc.array(fc.tuple(key, fc.integer({ min: -99999, max: 99999 })), { maxLength: 6 }) }),
      fc.record({ kind: fc.constant('delete' as const), keys: fc.array(key, { maxLength: 4 }) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 8 }), async (ops) => {
      await db.execute(`DELETE FROM ${q('conv')}`);
      const model = new Map<string, Row>();
      for (const o of ops) {
        if (o.kind === 'upsert') {
          const rows = o.rows.map(([[k1, k2], cents]) => ({ k1, k2: int(k2), v: dec((cents / 100).toFixed(2)) }));
          await db.upsert('conv', ['k1', 'k2'], rows);
          for (const r of rows) model.set(JSON.stringify([r.k1, r.k2]), r);
        } else {
          const keys = o.keys.map(([k1, k2]) => [k1, int(k2)] as Value[]);
          const distinct = new Set(keys.map((k) => JSON.stringify(k)));
          const present = [...distinct].filter((k) => model.has(k)).length;
          expect(await db.deleteByKeys('conv', ['k1', 'k2'], keys)).toBe(present);
          for (const k of distinct) model.delete(k);
        }
      }
      const got = (await db.readPage({ table: 'conv', key: ['k1', 'k2'], limit: 1000 }));
      const want = [...model.values()].sort((a, b) => compareKeys([a.k1!, a.k2!], [b.k1!, b.k2!]));
      expect(got).toEqual(want);
    }), { numRuns: 15 });
  });

  it('refuses to stream past a NULL key instead of ending early', async () => {
    await db.execute(`CREATE TABLE ${q('nk')} (${q('id')} ${dialect === 'mysql' ? 'int' : 'INTEGER'} PRIMARY KEY, ${q('u')} ${dialect === 'mysql' ? 'int' : 'INTEGER'} UNIQUE)`);
    await db.upsert('nk', ['id'], [{ id: int(1), u: null }, { id: int(2), u: null }, { id: int(3), u: int(3) }]);
    const pages = async () => { const out: Row[] = []; for await (const b of db.streamRows({ table: 'nk', key: ['u'], batchSize: 1 })) out.push(...b); return out; };
    await expect(pages()).rejects.toThrow(/key column u is NULL/);
  });

  it('reports capture readiness with the documented shape', async () => {
    const r = await db.captureReadiness();
    expect(r.length).toBeGreaterThan(0);
    for (const x of r) {
      expect(['binlog', 'pgoutput', 'trigger']).toContain(x.method);
      expect(typeof x.ready).toBe('boolean');
      expect(Array.isArray(x.problems)).toBe(true);
      if (!x.ready) expect(x.problems.length).toBeGreaterThan(0);
    }
    expect(r.some((x) => x.method === 'trigger')).toBe(true);
    expect(rowEquals({ a: null }, { a: null })).toBe(true);
  });
});

describe('opening databases', () => {
  it('refuses nats:// as a database', async () => {
    await expect(openDatabase('nats://127.0.0.1:4222')).rejects.toThrow(/not a database/);
  });
  it.each([
    ['postgres', 'postgres://siphon:s3cret@127.0.0.1:1/nope'],
    ['mysql', 'mysql://siphon:s3cret@127.0.0.1:1/nope'],
    ['sqlite', 'sqlite:/nonexistent-dir/x/y.sqlite'],
  ].filter(([d]) => DIALECTS.includes(d as Dialect)))('%s: unreachable → ConnectionError without the password', async (_d, url) => {
    const err = await openDatabase(url, { connectTimeoutMs: 2000 }).then(async (d) => { await d.query('SELECT 1'); return d; }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).not.toContain('s3cret');
  });
});
