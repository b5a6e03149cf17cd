import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { WriteValueError } from '../../src/backends/errors.js';
import { date, instant, int, invalid, json, localTimestamp } from '../../src/values/index.js';

// Legacy MariaDB data that has no faithful canonical form must surface as `invalid`, never be coerced.
describe('MariaDB legacy values', () => {
  let fresh: FreshDatabase;
  let db: Database;

  beforeAll(async () => {
    fresh = await freshDatabase('mysql');
    // written by a legacy-style session: no strict mode, no zero-date checks, a latin1 connection
    const legacy = await mysql.createConnection({ uri: fresh.url, multipleStatements: true, charset: 'latin1' });
    await legacy.query(`SET SESSION sql_mode = '';
      CREATE TABLE legacy (
        id int PRIMARY KEY, d date, dt datetime, ts timestamp NULL, name_l1 varchar(40) CHARACTER SET latin1,
        name_u8 varchar(40) CHARACTER SET utf8mb4, flag tinyint(1), bits bit(5), yr year, kind enum('a','b'), tags set('x','y'),
        doc json, code char(6), fixed binary(4)
      ) DEFAULT CHARSET = utf8mb4;
      INSERT INTO legacy (id, d, dt, ts) VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00');
      INSERT INTO legacy (id, d, dt) VALUES (2, '2024-00-10', '2024-05-00 10:00:00');`);
    // bytes written through the latin1 connection: 0x80 is the euro sign in MariaDB's latin1 (cp1252)
    await legacy.query("INSERT INTO legacy (id, name_l1, name_u8) VALUES (3, _latin1 X'80206361666529', 'café')");
    // UTF-8 bytes stored in a latin1 column: an application that wrote UTF-8 through a latin1 connection
    await legacy.query("INSERT INTO legacy (id, name_l1) VALUES (4, _latin1 X'636166C3A9')");
    await legacy.query(`INSERT INTO legacy (id, flag, bits, yr, kind, tags, doc, code, fixed) VALUES
      (5, 1, b'00101', 2024, 'b', 'x,y', '{"b":1,"a":2}', 'ab  ', X'0102'),
      (6, 2, b'11111', 1999, 'a', '', '[1]', '', X'00')`);
    await legacy.end();
    db = await openDatabase(fresh.url);
  });
  afterAll(async () => { await db?.close(); await fresh?.drop(); });

  it('introspects MariaDB types: JSON via its json_valid CHECK, tinyint(1) as bool, charsets', async () => {
    const t = await db.describeTable('legacy');
    const type = (n: string) => t.columns.find((c) => c.name === n);
    expect(type('doc')?.type).toBe('json');
    expect(type('flag')?.type).toBe('bool');
    expect(type('ts')?.type).toBe('ts');
    expect(type('dt')?.type).toBe('lts');
    expect(type('name_l1')).toMatchObject({ type: 'text', charset: 'latin1' });
    expect(type('fixed')?.type).toBe('bytes');
  });

  it('zero dates (and zero month/day) become invalid zero-date values with the raw text', async () => {
    const [r1, r2] = await db.readByKeys('legacy', ['id'], [[int(1)], [int(2)]]).then((rs) => rs.sort((a, b) => Number((a.id as { v: string }).v) - Number((b.id as { v: string }).v)));
    expect(r1).toMatchObject({ d: invalid('zero-date', '0000-00-00'), dt: invalid('zero-date', '0000-00-00 00:00:00'), ts: invalid('zero-date', '0000-00-00 00:00:00') });
    expect(r2).toMatchObject({ d: invalid('zero-date', '2024-00-10'), dt: invalid('zero-date', '2024-05-00 10:00:00') });
  });

  it('latin1 decodes as cp1252; UTF-8 bytes inside a latin1 column are reported, not guessed', async () => {
    const rows = await db.readPage({ table: 'legacy', key: ['id'], after: [int(2)], until: [int(4)], limit: 10, columns: ['name_l1', 'name_u8'] });
    expect(rows[0]).toMatchObject({ name_l1: '€ cafe)', name_u8: 'café' });
    expect(rows[1]).toMatchObject({ name_l1: invalid('invalid-encoding', '636166c3a9') });
    // the raw query path decodes by the result field's charset the same way
    const [q] = await db.query('SELECT name_l1 FROM legacy WHERE id = ?', [3]);
    expect(q).toEqual({ name_l1: '€ cafe)' });
  });

  it('tinyint(1) 0/1 are booleans, other values invalid; BIT as binary digits; YEAR, ENUM, SET, CHAR, BINARY', async () => {
    const [r5, r6] = await db.readByKeys('legacy', ['id'], [[int(5)], [int(6)]]).then((rs) => rs.sort((a, b) => Number((a.id as { v: string }).v) - Number((b.id as { v: string }).v)));
    expect(r5).toMatchObject({ flag: true, bits: '00101', yr: int(2024), kind: 'b', tags: 'x,y', doc: json({ a: 2, b: 1 }), code: 'ab' });
    // MariaDB strips the trailing spaces of CHAR on read (PostgreSQL's char(n) padding is stripped by us to match)
    expect((r5!.fixed as { v: string }).v).toBe(Buffer.from([1, 2, 0, 0]).toString('base64'));
    expect(r6).toMatchObject({ flag: invalid('invalid-number', '2'), bits: '11111', tags: '', code: '' });
  });

  it('writes back: invalid values and digits the column would round away are refused', async () => {
    await expect(db.upsert('legacy', ['id'], [{ id: int(7), d: invalid('zero-date', '0000-00-00') }])).rejects.toBeInstanceOf(WriteValueError);
    // a DATETIME without fractional seconds would silently round .5 away
    await expect(db.upsert('legacy', ['id'], [{ id: int(8), dt: localTimestamp('2024-01-31 08:00:00.5') }])).rejects.toThrow(/legacy\.dt: .*fractional-second digits: column datetime keeps 0/);
    await db.upsert('legacy', ['id'], [{ id: int(8), d: date('2024-01-31'), dt: localTimestamp('2024-01-31 08:00:00'), ts: instant('2024-01-31T09:00:00+01:00'), bits: '10000', flag: false }]);
    const [r] = await db.readByKeys('legacy', ['id'], [[int(8)]]);
    expect(r).toMatchObject({ d: date('2024-01-31'), dt: localTimestamp('2024-01-31T08:00:00'), ts: instant('2024-01-31T08:00:00Z'), bits: '10000', flag: false });
    // the TIMESTAMP holds that instant: UNIX_TIMESTAMP does not depend on the session zone
    const [e] = await db.query('SELECT UNIX_TIMESTAMP(ts) AS epoch FROM legacy WHERE id = ?', [8]);
    expect(e?.epoch).toEqual(int(Date.UTC(2024, 0, 31, 8) / 1000));
  });

  it('a row with an invalid key can still be found again by that key (match, not write)', async () => {
    const [r] = await db.readPage({ table: 'legacy', key: ['id'], after: [int(3)], limit: 1 });
    expect(r?.name_l1).toEqual(invalid('invalid-encoding', '636166c3a9'));
  });

  it('capture readiness: binlog ROW/FULL with a privileged user is ready, and names missing grants otherwise', async () => {
    const r = await db.captureReadiness();
    const binlog = r.find((x) => x.method === 'binlog')!;
    expect(binlog.problems).toEqual([]);
    expect(binlog).toMatchObject({ ready: true, details: { binlogFormat: 'ROW', binlogRowImage: 'FULL', logBin: true } });
    const u = new URL(fresh.url);
    u.username = 'siphon_repl'; u.password = 'siphon_repl';
    const repl = await openDatabase(u.toString());
    try {
      expect((await repl.captureReadiness()).find((x) => x.method === 'binlog')).toMatchObject({ ready: true, problems: [] });
    } finally { await repl.close(); }
    // a user with no privileges: each missing grant is one problem line with the GRANT that fixes it
    const user = `siphon_t_${Date.now().toString(36)}`;
    await db.execute(`CREATE USER '${user}'@'%' IDENTIFIED BY 'x'`);
    try {
      await db.execute(`GRANT SELECT ON \`${fresh.name}\`.* TO '${user}'@'%'`);
      const v = new URL(fresh.url);
      v.username = user; v.password = 'x';
      const plain = await openDatabase(v.toString());
      try {
        const rr = await plain.captureReadiness();
        const b = rr.find((x) => x.method === 'binlog')!;
        expect(b.ready).toBe(false);
        expect(b.problems.join('\n')).toMatch(/lacks REPLICATION SLAVE: GRANT REPLICATION SLAVE ON \*\.\*/);
        expect(b.problems.join('\n')).toMatch(/lacks REPLICATION CLIENT/);
        const t = rr.find((x) => x.method === 'trigger')!;
        expect(t).toMatchObject({ ready: false });
        expect(t.problems.join('\n')).toMatch(/lacks the TRIGGER privilege: GRANT TRIGGER/);
      } finally { await plain.close(); }
    } finally {
      await db.execute(`DROP USER '${user}'@'%'`);
    }
  });
});
