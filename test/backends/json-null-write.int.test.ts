import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { fromPlain, int, json, toPlain } from '../../src/values/index.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';

// Issue 11 finding 3: the JSON document `null` and SQL NULL stay distinct when written, judged by plain SQL.
const opened: { db: Database; fresh: FreshDatabase }[] = [];
afterAll(async () => { for (const o of opened) { await o.db.close(); await o.fresh.drop(); } });

async function open(dialect: 'postgres' | 'sqlite'): Promise<Database> {
  const fresh = await freshDatabase(dialect);
  const db = await openDatabase(fresh.url);
  opened.push({ db, fresh });
  return db;
}

// the value as a mapping passes it on: through the plain form and back
const viaPlain = (v: ReturnType<typeof json> | null) => fromPlain(toPlain(v), 'json');

describe('JSON null versus SQL NULL on write', () => {
  it('PostgreSQL json and jsonb', async () => {
    const db = await open('postgres');
    await db.execute('CREATE TABLE j (id int PRIMARY KEY, a json, b jsonb)');
    await db.upsert('j', ['id'], [
      { id: int(1), a: viaPlain(json('null')), b: viaPlain(json('null')) },
      { id: int(2), a: viaPlain(null), b: viaPlain(null) },
    ]);
    const rows = await db.query(`SELECT id, (a IS NULL)::text AS a_sql_null, a::text AS a_text, (b IS NULL)::text AS b_sql_null, jsonb_typeof(b) AS b_type FROM j ORDER BY id`);
    expect(rows).toEqual([
      { id: int(1), a_sql_null: 'false', a_text: 'null', b_sql_null: 'false', b_type: 'null' },
      { id: int(2), a_sql_null: 'true', a_text: null, b_sql_null: 'true', b_type: null },
    ]);
  });

  it('SQLite JSON', async () => {
    const db = await open('sqlite');
    await db.execute('CREATE TABLE j (id INTEGER PRIMARY KEY, a JSON)');
    await db.upsert('j', ['id'], [{ id: int(1), a: viaPlain(json('null')) }, { id: int(2), a: viaPlain(null) }]);
    const rows = await db.query(`SELECT id, a IS NULL AS sql_null, typeof(a) AS cls, a AS txt FROM j ORDER BY id`);
    expect(rows).toEqual([
      { id: int(1), sql_null: int(0), cls: 'text', txt: { t: 'json', v: 'null' } },
      { id: int(2), sql_null: int(1), cls: 'null', txt: null },
    ]);
  });
});
