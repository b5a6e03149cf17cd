import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { sampleTable } from '../../src/config/sample.js';
import { validateAgainstDatabases } from '../../src/config/validate-against-db.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';

// Issue 11 finding 5: rows with a NULL in a unique key, and rows sharing a key that is not declared unique, fail the
// sample with a reason instead of being counted clean (they would overwrite each other on write). Counts are judged
// by plain SQL on legacy.
let lf: FreshDatabase, nf: FreshDatabase, legacy: Database, next: Database;

beforeAll(async () => {
  lf = await freshDatabase('mysql'); nf = await freshDatabase('postgres');
  legacy = await openDatabase(lf.url); next = await openDatabase(nf.url);
  await legacy.execute(`CREATE TABLE CONTACT (ID INT PRIMARY KEY, EMAIL VARCHAR(80) NULL, UNIQUE KEY uq (EMAIL))`);
  await legacy.execute(`INSERT INTO CONTACT VALUES (1, NULL), (2, 'a@x'), (3, NULL), (4, 'b@x'), (5, 'c@x')`);
  // no declared key; CODE repeats, and one repeated group straddles the 10th row (the batch boundary of a 10-row sample)
  await legacy.execute(`CREATE TABLE LOG (CODE INT NOT NULL, MSG VARCHAR(20))`);
  const codes = [1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 9, 9, 10, 11, 12];
  await legacy.execute(`INSERT INTO LOG VALUES ${codes.map((c, i) => `(${c}, 'm${i}')`).join(', ')}`);
  await legacy.execute(`CREATE TABLE PERSON (ID INT PRIMARY KEY, CODE VARCHAR(5) NOT NULL, KIND VARCHAR(5) NOT NULL)`);
  await legacy.execute(`INSERT INTO PERSON VALUES (1, 'A', 'x'), (2, 'B', 'x'), (3, 'A', 'y'), (4, 'C', 'x'), (5, 'C', 'x')`);
  await next.execute(`CREATE TABLE codes (code text PRIMARY KEY, kind text)`);
  await next.execute(`CREATE TABLE contacts (email text PRIMARY KEY)`);
  await next.execute(`CREATE TABLE logs (code int PRIMARY KEY, msg text)`);
});
afterAll(async () => { await legacy?.close(); await next?.close(); await lf?.drop(); await nf?.drop(); });

const config = resolveConfig({
  name: 'k', legacy: { db: 'sqlite:a' }, next: { db: 'sqlite:b' },
  tables: {
    CONTACT: { key: 'EMAIL', to: (r: Record<string, unknown>) => ({ contacts: [{ email: r.EMAIL ?? 'none' }] }), schemas: { contacts: z.object({ email: z.string() }) } },
    PERSON: { key: 'ID', to: (r: Record<string, unknown>) => ({ codes: [{ code: r.CODE, kind: r.KIND }] }), schemas: { codes: z.object({ code: z.string(), kind: z.string() }) } },
    LOG: { key: 'CODE', to: (r: Record<string, unknown>) => ({ logs: [{ code: r.CODE, msg: r.MSG }] }), schemas: { logs: z.object({ code: z.number(), msg: z.string() }) } },
  },
});

async function sample(table: 'CONTACT' | 'LOG' | 'PERSON', limit: number) {
  const v = await validateAgainstDatabases(config, legacy, next);
  return sampleTable(legacy, config, config.tables[table]!, limit, v.nextTables, undefined, {
    nextDialect: next.dialect, nextKeys: v.nextKeys, legacyInfo: v.legacyTables[table]!,
  });
}
const count = async (sql: string) => Number(((await legacy.query(sql))[0]!.n as { v: string }).v);

describe('sample: rows that cannot be keyed', () => {
  it('a NULL in a unique key fails the row with its reason', async () => {
    const s = await sample('CONTACT', 100);
    const nulls = await count('SELECT COUNT(*) AS n FROM CONTACT WHERE EMAIL IS NULL');
    expect(nulls).toBe(2);
    expect(s.read).toBe(5);
    expect(s.clean).toBe(5 - nulls);
    const g = s.failures.find((f) => f.stage === 'key')!;
    expect(g.reason).toBe('key (EMAIL): EMAIL is NULL; a row without a key cannot be migrated');
    expect(g.count).toBe(nulls);
  });

  it('rows sharing a non-unique key fail, all of them, also across a batch boundary', async () => {
    const dupRows = await count('SELECT COUNT(*) AS n FROM LOG WHERE CODE IN (SELECT CODE FROM LOG GROUP BY CODE HAVING COUNT(*) > 1)');
    const total = await count('SELECT COUNT(*) AS n FROM LOG');
    expect(dupRows).toBe(5);
    const all = await sample('LOG', 1000);
    expect(all.read).toBe(total);
    expect(all.clean).toBe(total - dupRows);
    expect(all.failures).toEqual([expect.objectContaining({ stage: 'key', count: dupRows, reason: expect.stringMatching(/several legacy rows share this key/) })]);
    // a 10-row sample ends inside the group of CODE 9 (rows 10-12): none of them may count as clean, none is lost
    const ten = await sample('LOG', 10);
    expect(ten.read).toBe(10);
    expect(ten.clean).toBe(10 - 2 - 1);
  });

  it('legacy rows giving the same next key with different values fail, both of them; identical next rows do not', async () => {
    const s = await sample('PERSON', 100);
    expect(s.read).toBe(5);
    expect(s.clean).toBe(3); // rows 1 and 3 give codes 'A' as 'x' and as 'y'; rows 4 and 5 give the same ('C', 'x')
    expect(s.failures).toEqual([{ stage: 'key', count: 2, exampleKeys: ['ID=3', 'ID=1'],
      reason: 'next key (code) of codes: produced with different values by several legacy rows; they would overwrite each other' }]);
  });
});
