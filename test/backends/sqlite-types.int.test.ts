import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { WriteValueError } from '../../src/backends/errors.js';
import { dec, float, instant, int, invalid, localTimestamp } from '../../src/values/index.js';

describe('SQLite values by declared type', () => {
  let fresh: FreshDatabase;
  let db: Database;

  beforeAll(async () => {
    fresh = await freshDatabase('sqlite');
    db = await openDatabase(fresh.url);
    await db.execute(`CREATE TABLE s (id INTEGER PRIMARY KEY, name TEXT, amount DECIMAL(12,2), exact TEXT DECIMAL(30,10),
        at DATETIME, flag BOOLEAN, anything, r REAL, doc JSON);
      INSERT INTO s VALUES (1, CAST(X'636166E9' AS TEXT), '12.50', '12345678901234567890.0123456789', '2024-05-01T10:00:00+02:00', 2, 42, 1.5, '{bad'),
        (2, 'ok', 7, '-0.5', '1714550400', 1, X'00', NULL, '{"b":[],"a":1}'),
        (3, 'x', 'n/a', NULL, '2024-05-01 10:00:00.5', 0, 'text', NULL, NULL);`);
  });
  afterAll(async () => { await db?.close(); await fresh?.drop(); });

  it('invalid UTF-8 in TEXT, bad JSON, a bool of 2 and a unix time in DATETIME are reported, not coerced', async () => {
    const [r1, r2, r3] = await db.readPage({ table: 's', key: ['id'], limit: 10 });
    expect(r1).toMatchObject({ name: invalid('invalid-encoding', '636166e9'), flag: invalid('invalid-number', '2'), doc: invalid('invalid-json', '{bad') });
    expect(r2!.at).toEqual(invalid('invalid-date', '1714550400'));
    expect(r3!.amount).toEqual(invalid('invalid-number', 'n/a'));
  });

  it('decimals read exactly (NUMERIC affinity read as text; TEXT affinity keeps every digit)', async () => {
    const [r1, r2] = await db.readPage({ table: 's', key: ['id'], limit: 2 });
    expect(r1).toMatchObject({ amount: dec('12.5'), exact: dec('12345678901234567890.0123456789'), r: float(1.5) });
    expect(r2).toMatchObject({ amount: dec('7'), exact: dec('-0.5') });
  });

  it('DATETIME text with a zone is an instant, without one a local date-time; untyped columns by storage class', async () => {
    const [r1, r2, r3] = await db.readPage({ table: 's', key: ['id'], limit: 10 });
    expect(r1!.at).toEqual(instant('2024-05-01T08:00:00Z'));
    expect(r3!.at).toEqual(localTimestamp('2024-05-01T10:00:00.5'));
    expect([r1!.anything, r2!.anything, r3!.anything]).toEqual([int(42), { t: 'bytes', v: 'AA==' }, 'text']);
  });

  it('refuses writes SQLite would round or drop: long decimals into NUMERIC affinity, NaN', async () => {
    await expect(db.upsert('s', ['id'], [{ id: int(9), amount: dec('1234567890123.456') }])).rejects.toThrow(/NUMERIC affinity/);
    await expect(db.upsert('s', ['id'], [{ id: int(9), r: float(NaN) }])).rejects.toBeInstanceOf(WriteValueError);
    await db.upsert('s', ['id'], [{ id: int(9), exact: dec('12345678901234567890.0123456789'), amount: dec('99.99') }]);
    const [r] = await db.readByKeys('s', ['id'], [[int(9)]]);
    expect(r).toMatchObject({ exact: dec('12345678901234567890.0123456789'), amount: dec('99.99') });
  });

  it('a transaction holds the connection: other calls wait for it instead of joining it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const tx = db.transaction(async (t) => {
      await t.upsert('s', ['id'], [{ id: int(20), name: 'in tx' }]);
      await gate;
      throw new Error('rollback');
    });
    const outside = db.upsert('s', ['id'], [{ id: int(21), name: 'outside' }]);
    release();
    await expect(tx).rejects.toThrow('rollback');
    await outside;
    expect((await db.readByKeys('s', ['id'], [[int(20)], [int(21)]])).map((r) => r.name)).toEqual(['outside']);
  });
});
