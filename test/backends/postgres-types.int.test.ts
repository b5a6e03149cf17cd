import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { WriteValueError } from '../../src/backends/errors.js';
import { dec, float, int, invalid, localTimestamp } from '../../src/values/index.js';

describe('PostgreSQL types beyond the common ground', () => {
  let fresh: FreshDatabase;
  let db: Database;

  beforeAll(async () => {
    fresh = await freshDatabase('postgres');
    db = await openDatabase(fresh.url);
    await db.execute(`CREATE TYPE mood AS ENUM ('sad', 'happy');
      CREATE DOMAIN money2 AS numeric(10,2);
      CREATE TABLE odd (id int PRIMARY KEY, n numeric, f real, d double precision, ts timestamp(0), c char(4), m mood,
        arr int[], u uuid, price money2, iv interval);
      INSERT INTO odd VALUES (1, 'NaN', 'NaN', '-Infinity', 'infinity', 'ab', 'happy', '{1,2}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 12.5, '1 day'),
        (2, '1e-20', 1.5, 'Infinity', '2024-01-01 10:00:00', 'abcd', 'sad', NULL, NULL, NULL, NULL);
      CREATE SCHEMA other; CREATE TABLE other.things (id int PRIMARY KEY, name text);
      INSERT INTO other.things VALUES (1, 'in other');`);
  });
  afterAll(async () => { await db?.close(); await fresh?.drop(); });

  it('introspects domains by their base type, enums as text, arrays and intervals as unknown', async () => {
    const t = await db.describeTable('odd');
    const c = (n: string) => t.columns.find((x) => x.name === n)!;
    expect(c('price')).toMatchObject({ type: 'dec', precision: 10, scale: 2 });
    expect(c('m').type).toBe('text');
    expect(c('arr')).toMatchObject({ type: 'unknown', nativeType: 'integer[]' });
    expect(c('iv').type).toBe('unknown');
    expect(c('ts').nativeType).toBe('timestamp(0) without time zone');
  });

  it('NaN and infinities: floats keep them, numeric and timestamps report them as invalid', async () => {
    const [r1, r2] = await db.readPage({ table: 'odd', key: ['id'], limit: 10 });
    expect(r1).toMatchObject({ n: invalid('invalid-number', 'NaN'), f: float(NaN), d: float(-Infinity), ts: invalid('invalid-date', 'infinity') });
    expect(Number.isNaN((r1!.f as { v: number }).v)).toBe(true);
    expect(r1).toMatchObject({ c: 'ab', m: 'happy', arr: '{1,2}', u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', price: dec('12.5'), iv: '1 day' });
    expect(r2).toMatchObject({ n: dec('0.00000000000000000001'), f: float(1.5), d: float(Infinity), ts: localTimestamp('2024-01-01T10:00:00'), c: 'abcd' });
  });

  it('floats NaN/±Infinity round-trip through upsert', async () => {
    await db.upsert('odd', ['id'], [{ id: int(3), f: float(NaN), d: float(-Infinity) }]);
    const [r] = await db.readByKeys('odd', ['id'], [[int(3)]]);
    expect(Number.isNaN((r!.f as { v: number }).v)).toBe(true);
    expect(r!.d).toEqual(float(-Infinity));
  });

  it('upserts array-typed columns through the VALUES form (unnest would flatten them)', async () => {
    await db.upsert('odd', ['id'], [{ id: int(5), arr: '{3,4}', m: 'sad' }, { id: int(6), arr: null, m: 'happy' }]);
    const rows = await db.readByKeys('odd', ['id'], [[int(5)], [int(6)]]);
    expect(rows.map((r) => [r.arr, r.m]).sort()).toEqual([['{3,4}', 'sad'], [null, 'happy']].sort());
  });

  it('upserts enum, domain and timestamp(0) columns through unnest casts', async () => {
    await db.upsert('odd', ['id'], [{ id: int(7), m: 'sad', price: dec('1.5'), ts: localTimestamp('2024-02-29 23:59:59'), c: 'xy' }]);
    const [r] = await db.readByKeys('odd', ['id'], [[int(7)]]);
    expect(r).toMatchObject({ m: 'sad', price: dec('1.5'), ts: localTimestamp('2024-02-29T23:59:59'), c: 'xy' });
  });

  it('refuses digits a column would round away (numeric scale, timestamp precision)', async () => {
    await expect(db.upsert('odd', ['id'], [{ id: int(4), price: dec('1.005') }])).rejects.toThrow(WriteValueError);
    await expect(db.upsert('odd', ['id'], [{ id: int(4), ts: localTimestamp('2024-01-01 10:00:00.25') }])).rejects.toThrow(/odd\.ts/);
  });

  it('reads another schema with ?schema= in the URL', async () => {
    const other = await openDatabase(`${fresh.url}?schema=other`);
    try {
      expect(await other.listTables()).toEqual(['things']);
      expect(await other.query('SELECT name FROM things WHERE id = ?', [1])).toEqual([{ name: 'in other' }]);
      expect((await other.describeTable('things')).primaryKey).toEqual(['id']);
    } finally { await other.close(); }
  });

  it('capture readiness: pgoutput ready for a superuser with wal_level=logical; problems name the fix', async () => {
    const r = await db.captureReadiness();
    const pgo = r.find((x) => x.method === 'pgoutput')!;
    expect(pgo).toMatchObject({ ready: true, problems: [], details: { walLevel: 'logical', superuser: true } });
    // an ordinary role: neither replication nor trigger capture, each problem naming its fix
    const role = `siphon_t_${Date.now().toString(36)}`;
    await db.execute(`CREATE ROLE ${role} LOGIN PASSWORD 'x'`);
    const u = new URL(fresh.url);
    u.username = role; u.password = 'x';
    const plain = await openDatabase(u.toString());
    try {
      const rr = await plain.captureReadiness();
      const p = rr.find((x) => x.method === 'pgoutput')!;
      expect(p.ready).toBe(false);
      expect(p.problems.join('\n')).toContain(`ALTER ROLE ${role} WITH REPLICATION;`);
      const t = rr.find((x) => x.method === 'trigger')!;
      expect(t.ready).toBe(false);
      expect(t.problems.join('\n')).toMatch(new RegExp(`may not create triggers on odd.*GRANT TRIGGER ON ALL TABLES IN SCHEMA public TO ${role}`));
    } finally {
      await plain.close();
      await db.execute(`DROP ROLE ${role}`).catch(() => undefined);
    }
  });

  it('leaves ? inside dollar-quoted and E-strings alone', async () => {
    const rows = await db.query(`SELECT $$a?b$$ AS x, E'it\\'s?' AS y, ?::int AS z`, [7]);
    expect(rows).toEqual([{ x: 'a?b', y: "it's?", z: int(7) }]);
  });
});
