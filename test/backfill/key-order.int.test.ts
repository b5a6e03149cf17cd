import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect, TableInfo } from '../../src/backends/types.js';
import { decodeCursor, encodeCursor } from '../../src/backfill/cursor.js';
import { BackfillKeyError } from '../../src/backfill/errors.js';
import { chunkKey } from '../../src/backfill/table-copy.js';
import type { Row } from '../../src/values/index.js';
import { keyToText } from '../../src/values/index.js';
import { ALL_DIALECTS, freshDatabase, type FreshDatabase } from '../support/engines.js';

/**
 * Chunk boundaries are the engine's: every chunk is `key > last ORDER BY key LIMIT n` computed by the engine with one
 * key expression, and `last` goes through the stored cursor (JSON) between chunks. Keys that break an order computed
 * elsewhere: composite keys, keys <= 0, text under a case-insensitive collation, trailing spaces, tabs, non-ASCII.
 * Each table is paged with chunk sizes 1..4 and must give every row exactly once — judged against a plain SELECT.
 */

const TEXT_KEYS = ['a', 'B', 'b\t', 'b!', 'c ', 'C2', 'é', 'z', 'Z0', '', ' lead', 'ß', '😀', 'Ω'];

interface Case { readonly name: string; readonly ddl: Record<Dialect, string>; readonly rows: readonly unknown[][] }

const CASES: readonly Case[] = [
  {
    name: 'composite (int, text) keys with negatives and zero',
    ddl: {
      sqlite: 'CREATE TABLE k (a INTEGER NOT NULL, b TEXT NOT NULL, v INTEGER, PRIMARY KEY (a, b))',
      postgres: 'CREATE TABLE k (a integer NOT NULL, b text NOT NULL, v integer, PRIMARY KEY (a, b))',
      mysql: 'CREATE TABLE k (a int NOT NULL, b varchar(20) NOT NULL, v int, PRIMARY KEY (a, b))',
    },
    rows: [-5, -1, 0, 1, 7].flatMap((a) => ['x', 'Y', 'y!', 'é '].map((b, i) => [a, b, i])),
  },
  {
    name: 'text keys under a case-insensitive collation, trailing spaces and non-ASCII',
    ddl: {
      sqlite: 'CREATE TABLE k (a TEXT COLLATE NOCASE NOT NULL PRIMARY KEY, v INTEGER)',
      postgres: `CREATE TABLE k (a text COLLATE ci NOT NULL PRIMARY KEY, v integer)`,
      mysql: 'CREATE TABLE k (a varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v int)',
    },
    rows: TEXT_KEYS.map((a, i) => [a, i]),
  },
  {
    name: 'bigint keys around zero and at the extremes',
    ddl: {
      sqlite: 'CREATE TABLE k (a INTEGER NOT NULL PRIMARY KEY, v INTEGER)',
      postgres: 'CREATE TABLE k (a bigint NOT NULL PRIMARY KEY, v integer)',
      mysql: 'CREATE TABLE k (a bigint NOT NULL PRIMARY KEY, v int)',
    },
    rows: ['-9223372036854775808', '-9007199254740993', '-1', '0', '1', '9007199254740993', '9223372036854775807'].map((a, i) => [a, i]),
  },
];

for (const dialect of ALL_DIALECTS) {
  describe(`chunk boundaries in the engine's order (${dialect})`, () => {
    let fresh: FreshDatabase;
    let db: Database;
    beforeAll(async () => {
      fresh = await freshDatabase(dialect);
      db = await openDatabase(fresh.url);
      if (dialect === 'postgres') await db.execute(`CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`);
    });
    afterAll(async () => { await db?.close(); await fresh?.drop(); });

    for (const c of CASES) {
      it(c.name, async () => {
        await db.execute('DROP TABLE IF EXISTS k');
        await db.execute(c.ddl[dialect]);
        const cols = c.rows[0]!.length === 3 ? ['a', 'b', 'v'] : ['a', 'v'];
        for (const r of c.rows) await db.execute(`INSERT INTO k (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, r.map((x) => (typeof x === 'string' && /^-?\d{16,}$/.test(x) ? BigInt(x) : x)) as never);
        const info = await db.describeTable('k', { fresh: true });
        const key = chunkKey(info);
        const truth = (await db.query(`SELECT ${key.join(', ')} FROM k`)).map((r) => keyToText(key.map((k) => r[k] ?? null)));
        expect(truth.length).toBe(c.rows.length);
        for (let size = 1; size <= 4; size++) {
          const seen: string[] = [];
          let text = encodeCursor({ after: null, rows: 0, done: false });
          for (let guard = 0; guard < 1000; guard++) {
            const cursor = decodeCursor('backfill:k', text);
            if (cursor.done) break;
            const page: Row[] = await db.readPage({ table: 'k', key, after: cursor.after ?? undefined, limit: size });
            for (const r of page) seen.push(keyToText(key.map((k) => r[k] ?? null)));
            const last = page[page.length - 1];
            text = encodeCursor({ after: last ? key.map((k) => last[k] ?? null) : cursor.after, rows: cursor.rows + page.length, done: page.length < size });
          }
          expect(seen.length, `chunk size ${size}: rows read`).toBe(truth.length);
          expect(new Set(seen).size, `chunk size ${size}: no row read twice`).toBe(truth.length);
          expect([...seen].sort(), `chunk size ${size}: every row read`).toEqual([...truth].sort());
        }
      });
    }

    it('refuses a table whose only unique key allows NULL, naming it', async () => {
      await db.execute('DROP TABLE IF EXISTS n');
      await db.execute('CREATE TABLE n (a integer NULL, v integer, UNIQUE (a))');
      const info: TableInfo = await db.describeTable('n', { fresh: true });
      expect(() => chunkKey(info)).toThrow(BackfillKeyError);
      expect(() => chunkKey(info)).toThrow(/unique key\(s\) \(a\) allow NULL/);
    });
  });
}
