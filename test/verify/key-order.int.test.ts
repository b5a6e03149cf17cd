import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/backends/types.js';
import { compareKeys, keyToText, type Row, type Value } from '../../src/values/index.js';
import { OwnKeyset } from '../../src/verify/own-keyset.js';
import { runVerify } from '../../src/verify/run-verify.js';
import type { Throttle } from '../../src/verify/throttle.js';
import { fillNext, verifyFixture, type VerifyFixture } from './fixture.js';

/**
 * The order of the verifier's pages. A text key whose collation sorts by code point is paged in its index's order;
 * another one (the fixture's `codes`: latin1, case-insensitive) only when a probe finds its keys already in
 * code-point order and a unique index makes them distinct under the collation; otherwise through the code-point
 * expressions. Whatever the order, the pages must come in `compareKeys` order, and a key written under the pass that
 * breaks the index order makes the table inconclusive, never a silent miss.
 */
let f: VerifyFixture;

beforeAll(async () => { f = await verifyFixture(); }, 60_000);
afterAll(async () => { await f?.drop(); });
beforeEach(async () => {
  await f.legacy.execute('DELETE FROM codes');
  await f.next.execute('DELETE FROM codes');
});

/** Every row through `page`, `size` at a time, with the statements it ran. */
async function enumerate(db: Database, table: string, key: string[], size: number): Promise<{ keys: Value[][]; order: string | undefined; statements: string[] }> {
  const statements: string[] = [];
  const spy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return (sql: string, params?: never[]) => { statements.push(sql); return target.query(sql, params); };
    },
  });
  const ks = new OwnKeyset(spy, await db.describeTable(table, { fresh: true }), key);
  const keys: Value[][] = [];
  let after: Value[] | null = null;
  for (;;) {
    const page: Row[] = await ks.page(after, size);
    keys.push(...page.map((r) => key.map((k) => r[k] ?? null)));
    if (page.length < size) break;
    after = keys[keys.length - 1]!;
  }
  return { keys, order: ks.orderUsed, statements };
}

const sortedText = (keys: Value[][]) => [...keys].sort(compareKeys).map(keyToText);

describe('the order of the verifier\'s pages', () => {
  it('a case-insensitive key whose index order is not code-point order is paged by code points', async () => {
    await f.legacy.execute(`INSERT INTO codes VALUES ('apple', 'A'), ('Banana', 'B'), ('cherry', 'C'), ('Date', 'D'), ('egg ', 'E'), ('Fig', 'F')`);
    const r = await enumerate(f.legacy, 'codes', ['code'], 2);
    expect(r.order).toBe('codepoint');
    expect(r.keys.map(keyToText)).toEqual(sortedText(r.keys));
    expect(r.keys.map((k) => k[0])).toEqual(['Banana', 'Date', 'Fig', 'apple', 'cherry', 'egg ']);
    expect(r.statements.some((s) => /CONVERT/.test(s))).toBe(true);
  });

  it('the same key holding codes already in code-point order is paged by its index (no CONVERT), every row once', async () => {
    const codes = Array.from({ length: 25 }, (_, i) => `C${String(i).padStart(3, '0')}`);
    await f.legacy.execute(`INSERT INTO codes VALUES ${codes.map((c) => `('${c}', 'x')`).join(', ')}`);
    const r = await enumerate(f.legacy, 'codes', ['code'], 4);
    expect(r.order).toBe('index');
    expect(r.keys.map((k) => k[0])).toEqual(codes);
    const pages = r.statements.filter((s) => /^SELECT .* FROM `codes`.* LIMIT 4$/.test(s));
    expect(pages).toHaveLength(7);
    expect(pages.every((s) => !/CONVERT/.test(s))).toBe(true);
  });

  it('a case-insensitive key without a unique index is never paged by its index (equal keys would be skipped)', async () => {
    await f.legacy.execute('CREATE TABLE tags (id INT PRIMARY KEY, tag VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL) ENGINE=InnoDB');
    try {
      await f.legacy.execute(`INSERT INTO tags VALUES (1, 'A'), (2, 'B'), (3, 'C')`);
      const r = await enumerate(f.legacy, 'tags', ['tag'], 2);
      expect(r.order).toBe('codepoint');
      expect(r.keys.map((k) => k[0])).toEqual(['A', 'B', 'C']);
    } finally { await f.legacy.execute('DROP TABLE tags'); }
  });

  it('a PostgreSQL text key in the database\'s C.UTF-8 collation is paged by its index without a probe', async () => {
    const { rows } = { rows: await f.next.query(`SELECT datcollate FROM pg_database WHERE datname = current_database()`) };
    expect(String(rows[0]!.datcollate)).toMatch(/^C(\.UTF-?8)?$/i); // what the test machine's databases use
    await f.next.execute(`INSERT INTO codes VALUES ('b', 'x'), ('A', 'x'), ('a', 'x'), ('é', 'x'), ('B', 'x')`);
    const r = await enumerate(f.next, 'codes', ['code'], 2);
    expect(r.order).toBe('index');
    expect(r.keys.map((k) => k[0])).toEqual(['A', 'B', 'a', 'b', 'é']);
    expect(r.statements.every((s) => !/COLLATE/.test(s))).toBe(true);
    expect(r.statements).toHaveLength(3); // the pages only
  });

  it('a key written during the pass that breaks the index order makes the table inconclusive (not a silent miss)', async () => {
    await f.legacy.execute(`INSERT INTO codes VALUES ('A1', 'x'), ('A2', 'x'), ('A3', 'x'), ('A4', 'x'), ('C1', 'x'), ('C2', 'x')`);
    await fillNext(f, ['codes']);
    const control = await runVerify({ config: f.config, legacy: f.legacy, next: f.next, table: 'codes', chunkSize: 2 });
    expect(control.exitCode).toBe(0);
    expect(control.tables[0]!.counts.matched).toBe(6);
    // before the third page: 'b1' sorts between 'A4' and 'C1' in the case-insensitive index, after 'C1' by code point
    let chunkAdmits = 0;
    const throttle: Throttle = {
      reason: null,
      observe: () => undefined,
      admit: async (rows) => {
        if (rows === 2 && ++chunkAdmits === 3) await f.legacy.execute(`INSERT INTO codes VALUES ('b1', 'x')`);
      },
    };
    const r = await runVerify({ config: f.config, legacy: f.legacy, next: f.next, table: 'codes', chunkSize: 2, throttle });
    expect(chunkAdmits).toBeGreaterThanOrEqual(3);
    expect(r.exitCode).toBe(3);
    expect(r.tables[0]!.notes.join(' ')).toMatch(/legacy keys out of code-point order: "C1" came after "b1"/);
    // the next pass sees the new key in the probe and pages by code points: the extra legacy row is reported
    const again = await runVerify({ config: f.config, legacy: f.legacy, next: f.next, table: 'codes', chunkSize: 2 });
    expect(again.exitCode).toBe(1);
    expect(again.tables[0]!.counts).toMatchObject({ legacyRows: 7, matched: 6, missing: 1 });
  });
});
