import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_DIALECTS, freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { bytes, date, dec, diffRows, float, instant, int, json, localTimestamp, rowEquals, time, type Row } from '../../src/values/index.js';
import { createTable, type Col } from './ddl.js';

// The same logical rows, written with each engine's own SQL literals, must read back as EQUAL canonical rows.
const COLUMNS: Record<string, Col> = {
  id: 'int', big: 'bigint', amount: 'dec18_4', ratio: 'float', label: 'text', code: 'char5', day: 'date', at: 'time',
  instant: 'tstz', local: 'lts', blob: 'bytes', doc: 'json', flag: 'bool',
};

interface Literal { sqlite: string; postgres: string; mysql: string }
const same = (s: string): Literal => ({ sqlite: s, postgres: s, mysql: s });

// Row 1 and row 2 hold the awkward values; row 3 is NULL in every column but the key.
const ROWS: Record<string, Literal>[] = [
  {
    id: same('1'), big: same('9007199254740993'), amount: same("'12.5000'"), ratio: same('0.1'),
    label: same("'Crème brûlée 😀 Ünïcödé'"), code: same("'ab'"),
    day: { sqlite: "'2024-02-29'", postgres: "'2024-02-29'", mysql: "'2024-02-29'" },
    at: same("'13:45:10.123456'"),
    // 01:30:00.123456 at +02:00 is 23:30:00.123456 UTC the day before (MariaDB sessions run in UTC)
    instant: { sqlite: "'2024-03-31T01:30:00.123456+02:00'", postgres: "'2024-03-31 01:30:00.123456+02'", mysql: "'2024-03-30 23:30:00.123456'" },
    local: same("'2024-12-31 23:59:59.999999'"),
    blob: { sqlite: "X'00FF7F'", postgres: "'\\x00ff7f'::bytea", mysql: "X'00FF7F'" },
    doc: same(`'{"b": 1, "a": [1, 2.5, {"z": null, "y": "é"}]}'`),
    flag: { sqlite: '1', postgres: 'true', mysql: '1' },
  },
  {
    id: same('2'), big: same('-9223372036854775808'), amount: same("'-99999999999999.9999'"), ratio: same('-0.0'),
    label: same("''"), code: same("'x'"), day: same("'1900-01-01'"), at: same("'00:00:00'"),
    instant: { sqlite: "'1999-12-31T23:59:59Z'", postgres: "'1999-12-31 23:59:59Z'", mysql: "'1999-12-31 23:59:59'" },
    local: same("'2000-01-01 00:00:00'"),
    blob: { sqlite: "X''", postgres: "''::bytea", mysql: "X''" },
    // numbers a double cannot hold keep their digits (JSON.parse would make ...67000 of the first)
    doc: same(`'[12345678901234567890, 0.10, 1.0e2, -0.000000000000000000001]'`), flag: { sqlite: '0', postgres: 'false', mysql: '0' },
  },
  { id: same('3') },
];

const EXPECTED: Row[] = [
  {
    id: int(1), big: int('9007199254740993'), amount: dec('12.5'), ratio: float(0.1), label: 'Crème brûlée 😀 Ünïcödé',
    code: 'ab', day: date('2024-02-29'), at: time('13:45:10.123456'), instant: instant('2024-03-30T23:30:00.123456Z'),
    local: localTimestamp('2024-12-31T23:59:59.999999'), blob: bytes(Buffer.from([0, 255, 127])),
    doc: json('{"a":[1,2.5,{"y":"é","z":null}],"b":1}'), flag: true,
  },
  {
    id: int(2), big: int('-9223372036854775808'), amount: dec('-99999999999999.9999'), ratio: float(0), label: '', code: 'x',
    day: date('1900-01-01'), at: time('00:00:00'), instant: instant('1999-12-31T23:59:59Z'), local: localTimestamp('2000-01-01T00:00:00'),
    blob: bytes(Buffer.alloc(0)), doc: { t: 'json', v: '[12345678901234567890,0.1,100,-1e-21]' }, flag: false,
  },
  Object.fromEntries(Object.keys(COLUMNS).map((c) => [c, c === 'id' ? int(3) : null])),
];

const opened = new Map<Dialect, { fresh: FreshDatabase; db: Database }>();

beforeAll(async () => {
  for (const dialect of ALL_DIALECTS) {
    const fresh = await freshDatabase(dialect);
    const db = await openDatabase(fresh.url);
    opened.set(dialect, { fresh, db });
    await db.execute(createTable(dialect, 'canon', COLUMNS, ['id']));
    await db.execute(createTable(dialect, 'copy', COLUMNS, ['id']));
    for (const row of ROWS) {
      const cols = Object.keys(row);
      await db.execute(`INSERT INTO ${db.quoteIdent('canon')} (${cols.map((c) => db.quoteIdent(c)).join(', ')}) VALUES (${cols.map((c) => row[c]![dialect]).join(', ')})`);
    }
  }
});
afterAll(async () => {
  for (const { fresh, db } of opened.values()) { await db.close(); await fresh.drop(); }
});

async function readAll(db: Database, table: string): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of db.streamRows({ table, key: ['id'], batchSize: 2 })) out.push(...b);
  return out;
}

function expectRowsEqual(got: Row[], want: Row[], where: string): void {
  expect(got.length, where).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (!rowEquals(g, w)) expect({ where, differing: diffRows(g, w), got: g }).toEqual({ where, differing: [], got: w });
  });
}

describe('canonical values are the same on every engine', () => {
  it.each(ALL_DIALECTS)('%s: the stored rows read back as the expected canonical rows', async (dialect) => {
    expectRowsEqual(await readAll(opened.get(dialect)!.db, 'canon'), EXPECTED, dialect);
  });

  it('all three engines give equal rows (rowEquals)', async () => {
    const [a, ...others] = await Promise.all(ALL_DIALECTS.map((d) => readAll(opened.get(d)!.db, 'canon')));
    for (const o of others) a!.forEach((r, i) => expect(rowEquals(r, o[i]!)).toBe(true));
  });

  it.each(ALL_DIALECTS)('%s: canonical rows written back through upsert read back equal (encoders)', async (dialect) => {
    const { db } = opened.get(dialect)!;
    await db.upsert('copy', ['id'], EXPECTED);
    expectRowsEqual(await readAll(db, 'copy'), EXPECTED, `${dialect} copy`);
    // and an upsert of the same rows changes nothing
    await db.upsert('copy', ['id'], EXPECTED);
    expect(await db.countRows('copy')).toBe(3);
  });

  it.each(ALL_DIALECTS)('%s: raw query() results decode like table reads', async (dialect) => {
    const { db } = opened.get(dialect)!;
    const rows = await db.query(`SELECT * FROM ${db.quoteIdent('canon')} ORDER BY ${db.quoteIdent('id')}`);
    expectRowsEqual(rows, EXPECTED, `${dialect} query`);
    // aliased columns keep their column's type; parameters bind as in table reads
    const [e] = await db.query(`SELECT ${db.quoteIdent('label')} AS l, ${db.quoteIdent('doc')} AS d FROM ${db.quoteIdent('canon')} WHERE ${db.quoteIdent('id')} = ?`, [2]);
    expect(e).toEqual({ l: '', d: { t: 'json', v: '[12345678901234567890,0.1,100,-1e-21]' } });
  });

  it.each(ALL_DIALECTS)('%s: keys read back find their rows (readByKeys with bigint keys beyond 2^53)', async (dialect) => {
    const { db } = opened.get(dialect)!;
    await db.execute(createTable(dialect, 'bigkeys', { k: 'bigint', v: 'int' }, ['k']));
    await db.upsert('bigkeys', ['k'], [{ k: int('9007199254740993'), v: int(1) }, { k: int('9007199254740992'), v: int(2) }]);
    expect(await db.readByKeys('bigkeys', ['k'], [[int('9007199254740993')]])).toEqual([{ k: int('9007199254740993'), v: int(1) }]);
    const page = await db.readPage({ table: 'bigkeys', key: ['k'], after: [int('9007199254740992')], limit: 10 });
    expect(page.map((r) => r.k)).toEqual([int('9007199254740993')]);
  });
});
