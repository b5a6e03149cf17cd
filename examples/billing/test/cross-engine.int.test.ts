import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/support/engines.js';
import type { FreshDatabase } from '../../../test/support/engines.js';
import { openDatabase } from '../../../src/backends/open.js';
import type { Database } from '../../../src/backends/types.js';
import { diffRows, keyToText } from '../../../src/values/compare.js';
import type { Row, Value } from '../../../src/values/value.js';
import { toMojibake } from '../generate/mojibake.js';
import { LEGACY_TABLES } from '../legacy/schema.js';
import { generateLegacy } from '../generate/generate-legacy.js';
import type { GenerateSummary } from '../generate/generate-legacy.js';

const N = 80, SEED = 21, DIRTY = 0.15;
let my: FreshDatabase, lite: FreshDatabase;
let myDb: Database, liteDb: Database;
let sums: GenerateSummary[];

beforeAll(async () => {
  my = await freshDatabase('mysql', 'billing_x');
  lite = await freshDatabase('sqlite', 'billing_x');
  sums = [
    await generateLegacy({ legacy: my.url, customers: N, seed: SEED, dirty: DIRTY, progress: false, batchRows: 700 }),
    await generateLegacy({ legacy: lite.url, customers: N, seed: SEED, dirty: DIRTY, progress: false }),
  ];
  myDb = await openDatabase(my.url);
  liteDb = await openDatabase(lite.url);
});
afterAll(async () => {
  await myDb?.close(); await liteDb?.close();
  await my?.drop(); await lite?.drop();
});

/**
 * The documented equivalence of dirt across engines: a latin1 MariaDB value holding UTF-8 bytes reads as
 * invalid('invalid-encoding', hex) (the adapter does not guess); SQLite has no latin1, so the same legacy text is
 * stored as the mojibake those bytes show through a latin1 reading. Zero dates read as invalid('zero-date') on both.
 */
function sqliteEquivalent(v: Value): Value {
  if (v !== null && typeof v === 'object' && v.t === 'invalid' && v.reason === 'invalid-encoding') {
    return toMojibake(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(v.raw, 'hex')));
  }
  return v;
}

async function rowsByKey(db: Database, table: string, key: readonly string[]): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  for await (const batch of db.streamRows({ table, key, batchSize: 500 })) for (const r of batch) out.set(keyToText(key.map((k) => r[k]!)), r);
  return out;
}

describe('billing legacy generator across engines', () => {
  it('writes the same canonical rows on MariaDB and SQLite for the same seed', async () => {
    expect(sums[0]!.rows).toEqual(sums[1]!.rows);
    expect(sums[0]!.defects).toEqual(sums[1]!.defects);
    for (const t of LEGACY_TABLES) {
      const key = t.primaryKey.length ? t.primaryKey : t.uniqueKeys[0]!;
      const [a, b] = [await rowsByKey(myDb, t.name, key), await rowsByKey(liteDb, t.name, key)];
      expect(a.size, t.name).toBe(sums[0]!.rows[t.name as keyof GenerateSummary['rows']]);
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      const diffs: string[] = [];
      for (const [k, raw] of a) {
        const ra = Object.fromEntries(Object.entries(raw).map(([c, v]) => [c, sqliteEquivalent(v)]));
        const d = diffRows(ra, b.get(k)!);
        if (d.length) diffs.push(`${t.name} ${k}: ${d.map((c) => `${c} ${JSON.stringify(ra[c])} vs ${JSON.stringify(b.get(k)![c])}`).join(', ')}`);
      }
      expect(diffs.slice(0, 10), t.name).toEqual([]);
    }
  });

  it('reads the dirt the same way on both: zero dates are invalid(zero-date), mojibake as documented', async () => {
    for (const db of [myDb, liteDb]) {
      const zero = await db.query(`SELECT CTR_NUM, CTR_DT_FIN FROM CONTRAT WHERE CTR_DT_FIN < '0001-01-01' ORDER BY CTR_NUM`);
      expect(zero.length).toBe(sums[0]!.defects.CONTRAT['zero-date']);
      for (const r of zero) expect(r.CTR_DT_FIN).toEqual({ t: 'invalid', reason: 'zero-date', raw: expect.stringMatching(/^0000-00-00/) });
    }
    const libs = async (db: Database) => (await db.query('SELECT LIG_LIB FROM LIGNE_FACT ORDER BY FAC_NUM, LIG_NO')).map((r) => r.LIG_LIB!);
    const my = await libs(myDb), lite = await libs(liteDb);
    const mojibake = lite.filter((v) => typeof v === 'string' && /Ã/.test(v)).length;
    expect(mojibake).toBe(sums[0]!.defects.LIGNE_FACT.mojibake);
    expect(my.filter((v) => typeof v === 'object' && v !== null && v.t === 'invalid' && v.reason === 'invalid-encoding').length).toBe(mojibake);
  });

  it('refuses to add to a filled database without --reset, and names the table', async () => {
    await expect(generateLegacy({ legacy: lite.url, customers: 1, seed: 1, dirty: 0, progress: false })).rejects.toThrow(/CLIENT already holds \d+ rows.*--reset/);
    await expect(generateLegacy({ legacy: lite.url, customers: 1, seed: 1, dirty: 2, progress: false })).rejects.toThrow(/--dirty/);
  });
});
