import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/verify/run-verify.js';
import type { Difference, TableVerifyReport } from '../../src/verify/types.js';
import { fillNext, verifyFixture, type VerifyFixture } from './fixture.js';

/**
 * One test per fault: each is reported exactly (table, key, column, both values), and values that mean the same
 * (decimal scale, JSON key order, instant zones, CHAR padding) are not reported. Legacy MariaDB, next PostgreSQL.
 */
let f: VerifyFixture;

beforeAll(async () => {
  f = await verifyFixture();
  await f.legacy.execute(`INSERT INTO items VALUES
    (-5, 'minus five', 1.500, '2025-01-10 10:00:00', 'n', '{"b":1,"a":2}'),
    (0, 'zero', 0.000, '2025-01-10 11:00:00', 'z', NULL),
    (1, 'one', 12.500, '2025-01-15 08:30:00', 'x', '{"a":1}'),
    (2, 'two', 2.000, '2025-01-15 08:30:00', 'y', NULL),
    (3, 'three', 3.000, NULL, NULL, NULL),
    (4, 'café', 4.000, NULL, NULL, NULL),
    (5, 'five', 5.000, NULL, 'a long text that will be cut', NULL),
    (6, 'six', 6.000, NULL, NULL, NULL),
    (7, 'seven', 12.345, NULL, NULL, NULL),
    (8, 'eight', 8.000, '2025-02-01 12:00:00', NULL, NULL)`);
  await f.legacy.execute(`INSERT INTO codes VALUES ('apple', 'A'), ('Banana', 'B'), ('cherry', 'C'), ('Date', 'D'), ('egg ', 'E')`);
  await f.legacy.execute(`INSERT INTO pairs VALUES (-1, 'b', 1), (-1, 'a', 2), (0, 'Z', 3), (0, 'a', 4), (2, 'x', 5)`);
  await f.legacy.execute(`INSERT INTO refs VALUES ('r1', 1), ('r2', 2), (NULL, 3)`);
  await fillNext(f);
}, 60_000);

afterAll(async () => { await f?.drop(); });

async function verifyOnly(table: string): Promise<TableVerifyReport> {
  const r = await runVerify({ config: f.config, legacy: f.legacy, next: f.next, table, chunkSize: 3 });
  return r.tables[0]!;
}

const only = (t: TableVerifyReport): Difference => {
  expect(t.differences).toHaveLength(1);
  return t.differences[0]!;
};

describe('verify: a clean copy', () => {
  it('matches every table, keys <= 0, case-insensitive and padded text keys, composite keys included; same-meaning values are equal', async () => {
    for (const table of ['items', 'codes', 'pairs']) {
      const t = await verifyOnly(table);
      expect(t.verdict, JSON.stringify(t)).toBe('match');
      expect(t.counts.matched).toBe(t.counts.legacyRows);
      expect(t.invariantHolds).toBe(true);
    }
    // 12.500 = 12.5, JSON key order, Paris local time = the same instant in UTC: all equal
    const items = await verifyOnly('items');
    expect(items.counts).toMatchObject({ legacyRows: 10, legacyCount: 10, expectedNextRows: 10, nextRows: 10, matched: 10, mismatched: 0, missing: 0, extra: 0, rechecked: 0 });
  });

  it('counts a NULL-able unique key with a NULL apart, and fails (it cannot be matched by key)', async () => {
    const t = await verifyOnly('refs');
    expect(t.counts).toMatchObject({ legacyRows: 3, legacyCount: 3, nullKeyRows: 1, matched: 2 });
    expect(t.verdict).toBe('differences');
    expect(t.invariantHolds).toBe(false);
    expect(t.notes.join(' ')).toMatch(/1 legacy row\(s\) have a NULL in key \(ref\)/);
  });
});

describe('verify: each fault reported exactly', () => {
  async function withFault(sql: string, undo: string, check: (t: TableVerifyReport) => void): Promise<void> {
    await f.next.execute(sql);
    try { check(await verifyOnly('items')); } finally { await f.next.execute(undo); }
  }
  const withoutScale = (t: TableVerifyReport) => t;

  it('a decimal scale change (next column altered to scale 2: 12.345 rounded, 12.500 still equal)', async () => {
    await withFault(`ALTER TABLE items ALTER COLUMN amount TYPE NUMERIC(10,2)`, `ALTER TABLE items ALTER COLUMN amount TYPE NUMERIC(10,3); UPDATE items SET amount = 12.345 WHERE id = 7`, (t) => {
      expect(only(t)).toMatchObject({ kind: 'mismatched', sourceTable: 'items', nextTable: 'items', key: { id: '7' }, legacyKey: { id: '7' }, columns: [{ column: 'amount', expected: '12.345', actual: '12.35' }] });
    });
  });

  it('a row deleted in next', async () => {
    await withFault(`DELETE FROM items WHERE id = 2`, `INSERT INTO items VALUES (2, 'two', 2.000, '2025-01-15 07:30:00+00', 'y', NULL)`, (t) => {
      const d = only(withoutScale(t));
      expect(d).toMatchObject({ kind: 'missing', nextTable: 'items', key: { id: '2' }, legacyKey: { id: '2' } });
      expect(d.columns).toContainEqual({ column: 'name', expected: 'two', actual: null });
      expect(t.counts.missing).toBe(1);
      expect(t.verdict).toBe('differences');
    });
  });

  it('a value altered', async () => {
    await withFault(`UPDATE items SET name = 'TWO' WHERE id = 2`, `UPDATE items SET name = 'two' WHERE id = 2`, (t) => {
      expect(only(withoutScale(t))).toMatchObject({ kind: 'mismatched', key: { id: '2' }, columns: [{ column: 'name', expected: 'two', actual: 'TWO' }] });
    });
  });

  it('an extra row in next', async () => {
    await withFault(`INSERT INTO items (id, name) VALUES (99, 'ghost')`, `DELETE FROM items WHERE id = 99`, (t) => {
      const d = only(withoutScale(t));
      expect(d).toMatchObject({ kind: 'extra', key: { id: '99' }, legacyKey: null });
      expect(d.columns).toContainEqual({ column: 'name', expected: null, actual: 'ghost' });
      expect(t.counts.extra).toBe(1);
    });
  });

  it('a row with a key <= 0 (missing in next, found by the independent enumeration)', async () => {
    await withFault(`DELETE FROM items WHERE id = -5`, `INSERT INTO items VALUES (-5, 'minus five', 1.5, '2025-01-10 09:00:00+00', 'n', '{"a":2,"b":1}')`, (t) => {
      expect(only(withoutScale(t))).toMatchObject({ kind: 'missing', key: { id: '-5' } });
    });
    await withFault(`UPDATE items SET note = 'changed' WHERE id = 0`, `UPDATE items SET note = 'z' WHERE id = 0`, (t) => {
      expect(only(withoutScale(t))).toMatchObject({ kind: 'mismatched', key: { id: '0' }, columns: [{ column: 'note', expected: 'z', actual: 'changed' }] });
    });
  });

  it('a timestamp shifted by a time zone', async () => {
    await withFault(`UPDATE items SET at = '2025-01-15 08:30:00+00' WHERE id = 1`, `UPDATE items SET at = '2025-01-15 07:30:00+00' WHERE id = 1`, (t) => {
      expect(only(withoutScale(t))).toMatchObject({ kind: 'mismatched', key: { id: '1' }, columns: [{ column: 'at', expected: '2025-01-15T07:30:00.000000Z', actual: '2025-01-15T08:30:00.000000Z' }] });
    });
  });

  it('a Unicode normalisation difference (NFC in legacy, NFD in next)', async () => {
    const nfd = 'café'.normalize('NFD');
    await withFault(`UPDATE items SET name = '${nfd}' WHERE id = 4`, `UPDATE items SET name = 'café' WHERE id = 4`, (t) => {
      expect(only(withoutScale(t))).toMatchObject({ kind: 'mismatched', key: { id: '4' }, columns: [{ column: 'name', expected: 'café', actual: nfd }] });
    });
  });

  it('a text truncated', async () => {
    await withFault(`UPDATE items SET note = 'a long text' WHERE id = 5`, `UPDATE items SET note = 'a long text that will be cut' WHERE id = 5`, (t) => {
      expect(only(withoutScale(t))).toMatchObject({ kind: 'mismatched', key: { id: '5' }, columns: [{ column: 'note', expected: 'a long text that will be cut', actual: 'a long text' }] });
    });
  });

  it('a NULL turned into an empty string', async () => {
    await withFault(`UPDATE items SET note = '' WHERE id = 6`, `UPDATE items SET note = NULL WHERE id = 6`, (t) => {
      expect(only(withoutScale(t))).toMatchObject({ kind: 'mismatched', key: { id: '6' }, columns: [{ column: 'note', expected: null, actual: '' }] });
    });
  });

  it('a text key whose trailing space was lost in next (missing + extra, not equal)', async () => {
    await f.next.execute(`UPDATE codes SET code = 'egg' WHERE code = 'egg '`);
    try {
      const t = await verifyOnly('codes');
      expect(t.differences.map((d) => [d.kind, d.key.code]).sort()).toEqual([['extra', 'egg'], ['missing', 'egg ']]);
    } finally { await f.next.execute(`UPDATE codes SET code = 'egg ' WHERE code = 'egg'`); }
  });
});

describe('verify: a difference in flight is re-checked once apply passed it', () => {
  it('a legacy change not yet applied when seen settles on the re-check (counted, not reported)', async () => {
    await f.legacy.execute(`UPDATE items SET name = 'two, renamed' WHERE id = 2`);
    let settles = 0;
    try {
      // the settler stands in for "wait until apply passed the log head": here it is what brings the change over
      const r = await runVerify({ config: f.config, legacy: f.legacy, next: f.next, table: 'items', chunkSize: 3, settler: { settle: async () => { settles++; await fillNext(f, ['items']); return true; } } });
      const t = r.tables[0]!;
      expect(t.verdict).toBe('match');
      expect(t.differences).toEqual([]);
      expect(t.counts).toMatchObject({ rechecked: 1, settledByRecheck: 1, matched: 10 });
      expect(settles).toBe(1);
    } finally {
      await f.legacy.execute(`UPDATE items SET name = 'two' WHERE id = 2`);
      await fillNext(f, ['items']);
    }
  });

  it('a difference that persists after apply passed it is reported, with the re-check counted', async () => {
    await f.next.execute(`UPDATE items SET name = 'stale' WHERE id = 3`);
    try {
      const r = await runVerify({ config: f.config, legacy: f.legacy, next: f.next, table: 'items', chunkSize: 3, settler: { settle: async () => true } });
      const t = r.tables[0]!;
      expect(t.counts).toMatchObject({ rechecked: 1, settledByRecheck: 0, mismatched: 1 });
      expect(t.differences).toMatchObject([{ kind: 'mismatched', key: { id: '3' }, columns: [{ column: 'name', expected: 'three', actual: 'stale' }] }]);
    } finally { await f.next.execute(`UPDATE items SET name = 'three' WHERE id = 3`); }
  });

  it('apply that does not pass the position in time makes the result inconclusive', async () => {
    await f.next.execute(`UPDATE items SET name = 'stale' WHERE id = 3`);
    try {
      const r = await runVerify({ config: f.config, legacy: f.legacy, next: f.next, table: 'items', settler: { settle: async () => false } });
      expect(r.exitCode).toBe(3);
      expect(r.tables[0]!.notes.join(' ')).toMatch(/apply did not pass the changes in flight in time/);
    } finally { await f.next.execute(`UPDATE items SET name = 'three' WHERE id = 3`); }
  });
});
