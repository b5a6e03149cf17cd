import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { bytes, dec, instant, int, json, localTimestamp, date, type Row } from '../../src/values/index.js';

/**
 * `copyIn` (PostgreSQL COPY, text format): awkward values arrive exactly as an upsert would store them — tabs, line
 * ends, backslashes, `\N` as text, bytea, JSON, decimals, instants — and a value the column cannot take is refused
 * before sending, by index, while the other rows are copied. Engines without COPY say so (capability false, typed error).
 */
describe('copyIn', () => {
  let fresh: FreshDatabase;
  let db: Database;
  beforeAll(async () => {
    fresh = await freshDatabase('postgres');
    db = await openDatabase(fresh.url);
    await db.execute(`CREATE TABLE t (id bigint PRIMARY KEY, s text, v varchar(3), b bytea, j jsonb, d numeric(8,2), ts timestamptz, l timestamp, dt date, f boolean)`);
    await db.execute(`CREATE TABLE u (id bigint PRIMARY KEY, s text, v varchar(3), b bytea, j jsonb, d numeric(8,2), ts timestamptz, l timestamp, dt date, f boolean)`);
  });
  afterAll(async () => { await db?.close(); await fresh?.drop(); });

  const rowsOf = async (table: string) => (await db.query(`SELECT * FROM ${table} ORDER BY id`)).map((r) => JSON.stringify(r));

  it('stores what upsert stores, and refuses by index what the column cannot take', async () => {
    expect(db.capabilities.copyIn).toBe(true);
    const rows: Row[] = [
      { id: int(1), s: 'tab\there\nline\r\nback\\slash \\N', v: 'abc', b: bytes(Buffer.from([0, 9, 10, 92, 255])), j: json('{"a":"x\\ty"}'), d: dec('12.5'), ts: instant('2026-03-29T01:30:00.123456Z'), l: localTimestamp('2026-03-29T02:30:00'), dt: date('2026-02-28'), f: true },
      { id: int(2), s: null, v: 'toolong', b: null, j: null, d: null, ts: null, l: null, dt: null, f: null },
      { id: int(3), s: '\\N', v: '', b: bytes(Buffer.alloc(0)), j: json('[]'), d: dec('-0.01'), ts: null, l: null, dt: null, f: false },
      { id: int(4), s: 'é😀', v: null, b: null, j: null, d: dec('123456789'), ts: null, l: null, dt: null, f: null },
    ];
    const info = await db.describeTable('t');
    const r = await db.transaction((tx) => tx.copyIn('t', info.columns, rows));
    expect(r.copied).toBe(2);
    expect(r.refused.map((x) => x.index)).toEqual([1, 3]);
    expect(r.refused.map((x) => (x.error as { code?: string }).code)).toEqual(['BACKEND_WRITE_VALUE', 'BACKEND_WRITE_VALUE']);
    await db.upsert('u', ['id'], [rows[0]!, rows[2]!]);
    expect(await rowsOf('t')).toEqual(await rowsOf('u'));
  });

  it('a COPY the engine refuses fails the transaction with a typed error (nothing half-written)', async () => {
    const info = await db.describeTable('t');
    await expect(db.transaction((tx) => tx.copyIn('t', info.columns, [{ id: int(10), s: 'a' }, { id: int(10), s: 'b' }]))).rejects.toMatchObject({ code: 'BACKEND_QUERY' });
    expect(await db.query('SELECT id FROM t WHERE id = 10')).toEqual([]);
  });

  it('copies into a table of another schema when asked (apply\'s siphon tables), never the search path\'s namesake', async () => {
    await db.execute(`CREATE SCHEMA IF NOT EXISTS other; CREATE TABLE other.t (id bigint PRIMARY KEY, s text)`);
    const cols = (await db.describeTable('t')).columns.filter((c) => c.name === 'id' || c.name === 's');
    const r = await db.transaction((tx) => tx.copyIn('t', cols, [{ id: int(20), s: 'x' }], { schema: 'other' }));
    expect(r.copied).toBe(1);
    expect((await db.query('SELECT s FROM other.t WHERE id = 20')).map((x) => x.s)).toEqual(['x']);
    expect(await db.query('SELECT id FROM t WHERE id = 20')).toEqual([]);
  });

  it('engines without COPY refuse it with a typed error', async () => {
    const lite = await freshDatabase('sqlite');
    const s = await openDatabase(lite.url);
    try {
      expect(s.capabilities.copyIn).toBe(false);
      await expect(s.copyIn('x', [], [])).rejects.toMatchObject({ code: 'BACKEND_UNSUPPORTED' });
    } finally { await s.close(); await lite.drop(); }
  });
});
