import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runVerify } from '../../src/verify/run-verify.js';
import type { TableVerifyReport, VerifyReport } from '../../src/verify/types.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';

/**
 * Large tables verified in key ranges shared by the verify threads (`src/verify/parts.ts`): the report must be the
 * one a single merge join over the whole table gives — every fault found once, wherever it falls against the
 * ranges' bounds — and a mapping that breaks a range's bounds must never turn into a pass.
 *
 * `invlines` (composite integer key, like billing's invoice lines) holds 120 rows: invoices 1..12 × lines 1..10. Split
 * every 10 rows, the boundaries are the keys (1,10), (2,10) … (11,10): the faults sit on them and beside them.
 */
interface PartsFixture { legacy: Database; next: Database; legacyUrl: string; nextUrl: string; legacyDialect: Dialect; drop(): Promise<void> }
let f: PartsFixture;
let dir: string;
const root = resolve(import.meta.dirname, '../..');

const LINES = `{
  key: ['inv', 'no'],
  to: (r: any) => ({ invlines: [{ inv: r.inv, no: r.no, qty: r.qty ?? null }] }),
  schemas: { invlines: z.object({ inv: z.number(), no: z.number(), qty: z.number().nullable() }) },
}`;

const values = (rows: number[][]) => rows.map((r) => `(${r.join(', ')})`).join(', ');
const ddl = (d: Dialect, sql: string) => (d === 'mysql' ? `${sql} ENGINE=InnoDB` : sql);

async function partsFixture(legacyDialect: Dialect, nextDialect: Dialect): Promise<PartsFixture> {
  const l: FreshDatabase = await freshDatabase(legacyDialect, 'parts_legacy');
  const n: FreshDatabase = await freshDatabase(nextDialect, 'parts_next');
  const legacy = await openDatabase(l.url);
  const next = await openDatabase(n.url);
  const rows: number[][] = [];
  for (let inv = 1; inv <= 12; inv++) for (let no = 1; no <= 10; no++) rows.push([inv, no, inv * 100 + no]);
  for (const [db, d] of [[legacy, legacyDialect], [next, nextDialect]] as const) {
    await db.execute(ddl(d, `CREATE TABLE invlines (inv INTEGER NOT NULL, no INTEGER NOT NULL, qty INTEGER, PRIMARY KEY (inv, no))`));
    await db.execute(`INSERT INTO invlines VALUES ${values(rows)}`);
  }
  return {
    legacy, next, legacyUrl: l.url, nextUrl: n.url, legacyDialect,
    drop: async () => { await legacy.close(); await next.close(); await l.drop(); await n.drop(); },
  };
}

function configFile(name: string, lines = LINES): string {
  const table = name.startsWith('codes') ? 'codes' : 'invlines';
  const file = join(dir, name);
  writeFileSync(file, `
import { z } from '${root}/node_modules/zod/index.js';
import { defineMigration } from '${root}/src/config/define.js';
export default defineMigration({
  name: 'verify-parts',
  legacy: { db: ${JSON.stringify(f.legacyUrl)}, timezone: 'Europe/Paris' },
  next: { db: ${JSON.stringify(f.nextUrl)} },
  tables: { ${table}: ${lines} },
});
`);
  return file;
}

/** A report without what differs between two runs of the same data: timings, the order differences were found in, ranges. */
function comparable(r: VerifyReport): unknown {
  return r.tables.map((t: TableVerifyReport) => {
    const { ms: _ms, ranges: _ranges, notes: _notes, ...rest } = t;
    return { ...rest, differences: [...t.differences].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
  });
}


// the legacy engines against a next engine each; the MariaDB legacy also with a key that cannot be split
describe.each([['mysql', 'postgres'], ['sqlite', 'sqlite'], ['postgres', 'mysql']] as const)('verify in key ranges, %s legacy, %s next', (legacyDialect, nextDialect) => {
  beforeAll(async () => {
    f = await partsFixture(legacyDialect, nextDialect);
    dir = mkdtempSync(join(tmpdir(), 'siphon-verify-parts-'));
  }, 60_000);

  afterAll(async () => {
    await f?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the report of one merge join over the table, with faults on and beside the ranges bounds', async () => {
    const config = await loadConfig(configFile('same.config.mts'));
    // a row missing on a boundary (2,10) and just after one (4,1); a value altered on a boundary (6,10) and just
    // before one (8,9); extra rows inside a range (3,99: past its invoice's last line), just after a boundary
    // (9,10 → 10,0) and past the last legacy key (13,1)
    await f.next.execute(`DELETE FROM invlines WHERE (inv, no) IN ((2, 10), (4, 1)); UPDATE invlines SET qty = -1 WHERE (inv, no) IN ((6, 10), (8, 9));
      INSERT INTO invlines VALUES (3, 99, 0), (10, 0, 0), (13, 1, 0)`);
    try {
      const one = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 1 });
      const split = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, mainThreadVerifies: false, partRows: 10 });
      expect(split.tables[0]!.ranges).toBe(12);
      expect(one.tables[0]!.ranges).toBeUndefined();
      // what the faults are, independently of verify's own code
      const t = split.tables[0]!;
      expect([t.counts.legacyRows, t.counts.matched, t.counts.missing, t.counts.mismatched, t.counts.extra]).toEqual([120, 116, 2, 2, 3]);
      expect(t.differences.map((d) => `${d.kind} ${Object.values(d.key).join(',')}`).sort()).toEqual([
        'extra 10,0', 'extra 13,1', 'extra 3,99', 'mismatched 6,10', 'mismatched 8,9', 'missing 2,10', 'missing 4,1',
      ]);
      expect(split.exitCode).toBe(1);
      expect(comparable(split)).toEqual(comparable(one));
      // the main thread verifying ranges too, and ranges of another size: the same report
      expect(comparable(await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, partRows: 7 }))).toEqual(comparable(one));
    } finally {
      await f.next.execute(`INSERT INTO invlines VALUES (2, 10, 210), (4, 1, 401); UPDATE invlines SET qty = inv * 100 + no; DELETE FROM invlines WHERE (inv, no) IN ((3, 99), (10, 0), (13, 1))`);
    }
  });

  it('matches, with the progress of the ranges summed into the table progress', async () => {
    const config = await loadConfig(configFile('match.config.mts'));
    const progress: [string, number, number][] = [];
    // the run's throttle sees every read of legacy: the boundary reads as well as the pages
    const admitted: number[] = [];
    const throttle = { admit: async (rows: number) => { admitted.push(rows); }, observe: () => undefined, reason: null };
    const r = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, partRows: 25, throttle, onProgress: (t, done, total) => progress.push([t, done, total]) });
    expect(admitted.filter((n) => n === 0).length).toBe(4); // one per boundary, counted as no rows
    expect(admitted.some((n) => n > 0)).toBe(true);
    expect(r.verdict).toBe('match');
    expect(r.tables[0]!.ranges).toBe(5);
    expect(r.tables[0]!.invariantHolds).toBe(true);
    expect(progress.at(-1)).toEqual(['invlines', 120, 120]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![1]).toBeGreaterThanOrEqual(progress[i - 1]![1]);
  });

  it('is inconclusive, never a pass, when the mapping gives a next key outside its range', async () => {
    // (5,1) maps to (3,50): below its range's lower bound, the boundary (4,10) mapped to itself. One merge join over
    // the table sorts each batch of 100 rows and finds it; a range would call it missing, and an extra of another
    // range: it refuses to judge instead
    const lines = LINES.replace(`invlines: [{ inv: r.inv, no: r.no,`, `invlines: [{ inv: r.inv === 5 && r.no === 1 ? 3 : r.inv, no: r.inv === 5 && r.no === 1 ? 50 : r.no,`);
    const config = await loadConfig(configFile('outside.config.mts', lines));
    await f.next.execute(`UPDATE invlines SET inv = 3, no = 50 WHERE inv = 5 AND no = 1`);
    try {
      expect((await runVerify({ config, legacy: f.legacy, next: f.next, threads: 1 })).verdict).toBe('match');
      const r = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, mainThreadVerifies: false, partRows: 10 });
      expect(r.exitCode).toBe(3);
      expect(r.tables[0]!.verdict).toBe('inconclusive');
      expect(r.tables[0]!.notes.join(' ')).toMatch(/keys after \{"inv":"4","no":"10"\} up to \{"inv":"5","no":"10"\}: .*outside the range of next keys this range.s bounds map to \(after \{"inv":"4","no":"10"\}, up to \{"inv":"5","no":"10"\}\)/);
    } finally {
      await f.next.execute(`UPDATE invlines SET inv = 5, no = 1 WHERE inv = 3 AND no = 50`);
    }
  });

  it('a thread that dies in the middle of a range makes the table inconclusive (exit 3), never a pass', async () => {
    // the thread that verifies the range (6,10]…(7,10] ends (as a crash or an out-of-memory would end it); the main
    // thread verifies the ranges left
    const lines = LINES.replace('to: (r: any) => ({ invlines:', 'to: (r: any) => (!isMainThread && r.inv === 7 ? process.exit(7) : { invlines:');
    const file = configFile('dies.config.mts', lines);
    writeFileSync(file, `import { isMainThread } from 'node:worker_threads';\n${readFileSync(file, 'utf8')}`);
    const config = await loadConfig(file);
    const r = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, mainThreadVerifies: false, partRows: 10 });
    expect(r.exitCode).toBe(3);
    expect(r.tables[0]!.verdict).toBe('inconclusive');
    expect(r.tables[0]!.notes.join(' ')).toMatch(/keys after \{"inv":"6","no":"10"\} up to \{"inv":"7","no":"10"\}: the verify thread stopped in the middle of the table: exit code 7/);
    expect(r.tables[0]!.counts.matched).toBe(110);
  });

  it('keeps a table whole when the run asks for no split, or when its key cannot start mid-table at index speed', async () => {
    const config = await loadConfig(configFile('whole.config.mts'));
    const r = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 2, partRows: 10, split: false });
    expect(r.tables[0]!.ranges).toBeUndefined();
    expect(r.verdict).toBe('match');
    // too few rows for two ranges: one task, verified by the main thread, no thread started for nothing
    const one = await runVerify({ config, legacy: f.legacy, next: f.next, threads: 4, partRows: 100 });
    expect([one.tables[0]!.ranges, one.verdict, one.tables[0]!.counts.matched]).toEqual([undefined, 'match', 120]);
    // a text key in a case-insensitive collation: pages bounded below would need a probe of the whole key
    if (legacyDialect !== 'mysql') return;
    await f.legacy.execute(`CREATE TABLE codes (code VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_general_ci PRIMARY KEY, label VARCHAR(40)) ENGINE=InnoDB`);
    await f.next.execute(`CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT)`);
    await f.legacy.execute(`INSERT INTO codes VALUES ('a', 'A'), ('b', 'B'), ('c', 'C')`);
    await f.next.execute(`INSERT INTO codes VALUES ('a', 'A'), ('b', 'B'), ('c', 'C')`);
    const codes = await loadConfig(configFile('codes.config.mts', `{ key: 'code', to: (r: any) => ({ codes: [{ code: r.code, label: r.label ?? null }] }), schemas: { codes: z.object({ code: z.string(), label: z.string().nullable() }) } }`));
    const c = await runVerify({ config: codes, legacy: f.legacy, next: f.next, threads: 2, mainThreadVerifies: false, partRows: 1 });
    expect(c.tables.map((t) => [t.table, t.verdict, t.ranges, t.counts.matched])).toEqual([['codes', 'match', undefined, 3]]);
  });
});
