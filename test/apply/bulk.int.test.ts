import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { createApplier, type SiphonApplier } from '../../src/apply/index.js';
import { BULK_STATS } from '../../src/apply/bulk/bulk-tx.js';
import type { ApplyItem } from '../../src/apply/types.js';
import { versionOf } from '../../src/log/version.js';
import { change, item } from './support.js';

/**
 * The bulk path (backfill chunks on PostgreSQL: COPY into staging, set statements) against the per-row path: the
 * same random histories — captured inserts, updates and deletes of legacy rows, and chunk reads (`read` changes at one
 * position, as DBLog emits them) applied at random moments, also before captured changes older than the chunk and
 * after newer ones — go to two next databases, one applier with the bulk path, one without. Next's tables, Siphon's
 * version/lineage/parked tables and the quarantine (keys and reasons) must end equal, read by plain SQL; and no
 * chunk row ever replaced a newer version (every stored version is the newest applied one for its key).
 *
 * The tables cover what must make the bulk path step aside: values the zod schema refuses (`schema`), a value too long
 * for a varchar (refused before COPY), a CHECK constraint (refused by the set statement: per-row fallback and
 * bisection, reason `database`), a foreign key whose parent is missing (`missing-parent`, then re-driven), next rows
 * keyed by a value (lineage lines and `next-key-conflict`), soft deletes.
 */
const DDL = [
  `CREATE TABLE a (id bigint PRIMARY KEY, name text NOT NULL, qty integer NOT NULL CHECK (qty >= 0), tag varchar(5), deleted_at text)`,
  `CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id), label text)`,
  `CREATE TABLE codes (code text PRIMARY KEY, legacy_id bigint NOT NULL)`,
  // checked at COMMIT: the direct COPY must not be what finds its missing parents
  `CREATE TABLE d (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id) DEFERRABLE INITIALLY DEFERRED)`,
];

function config(url: string): ResolvedConfig {
  return resolveConfig({
    name: 'bulk', legacy: { db: 'sqlite::memory:' }, next: { db: url },
    tables: {
      A: {
        key: 'id', to: (r: Record<string, unknown>) => ({ a: [{ id: r.id, name: r.name, qty: r.qty, tag: r.tag }] }),
        schemas: { a: z.object({ id: z.number(), name: z.string().min(1), qty: z.number().int(), tag: z.string() }) },
        onDelete: { set: { deleted_at: (at: string) => at } },
      },
      B: { key: 'id', to: (r: Record<string, unknown>) => ({ b: [{ id: r.id, a_id: r.a_id, label: r.label }] }), schemas: { b: z.object({ id: z.number(), a_id: z.number(), label: z.string() }) } },
      D: { key: 'id', to: (r: Record<string, unknown>) => ({ d: [{ id: r.id, a_id: r.a_id }] }), schemas: { d: z.object({ id: z.number(), a_id: z.number() }) } },
      K: { key: 'id', to: (r: Record<string, unknown>) => ({ codes: [{ code: String(r.code), legacy_id: r.id }] }), schemas: { codes: z.object({ code: z.string(), legacy_id: z.number() }) } },
    },
  });
}

type Table = 'A' | 'B' | 'K';
type Img = Record<string, unknown>;
const KEYS = 6;
const image = (t: Table, id: number, v: number): Img => {
  switch (t) {
    // v % 7 == 0: empty name (schema); v % 11 == 0: negative qty (CHECK); v % 13 == 0: tag too long for varchar(5)
    case 'A': return { id, name: v % 7 === 0 ? '' : `n${v}`, qty: v % 11 === 0 ? -1 : v, tag: v % 13 === 0 ? 'toolong' : `t${v % 5}` };
    // a parent among A's keys of the run, sometimes one that never exists
    case 'B': return { id, a_id: v % 9 === 0 ? 999_999_999 : id - (id % 1000) + (v % KEYS), label: `l${v}` };
    // few codes: two legacy rows often claim the same next key
    case 'K': return { id, code: `c${v % 4}` };
  }
};

type Op = { kind: 'write' | 'delete'; table: Table; key: number; v: number } | { kind: 'chunk'; table: Table; lo: number; hi: number; delay: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom<'write' | 'delete'>('write', 'write', 'write', 'delete'), table: fc.constantFrom<Table>('A', 'B', 'K'), key: fc.integer({ min: 0, max: KEYS - 1 }), v: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant<'chunk'>('chunk'), table: fc.constantFrom<Table>('A', 'B', 'K'), lo: fc.integer({ min: 0, max: KEYS - 1 }), hi: fc.integer({ min: 0, max: KEYS - 1 }), delay: fc.integer({ min: -6, max: 6 }) }) },
);

interface Side { fresh: FreshDatabase; next: Database; state: StateStore; dir: string; applier: SiphonApplier }

async function side(bulkMinChanges: number, bulkDirect = true): Promise<Side> {
  const fresh = await freshDatabase('postgres');
  const next = await openDatabase(fresh.url);
  for (const s of DDL) await next.execute(s);
  const dir = mkdtempSync(join(tmpdir(), 'siphon-bulk-'));
  const state = await openStateStore(`sqlite:${join(dir, 'state.sqlite')}`);
  const applier = await createApplier({ config: config(fresh.url), next, state, backoffMs: 1, bulkMinChanges, bulkDirect, bulkDirectSkip: 0 });
  return { fresh, next, state, dir, applier };
}

/** Everything a path leaves behind for the keys of one run, as plain rows. */
async function snapshot(s: Side, lo: number, hi: number): Promise<unknown> {
  const q = (sql: string) => s.next.query(sql, [lo, hi]).then((rs) => rs.map((r) => JSON.stringify(r)));
  return {
    a: await q(`SELECT * FROM a WHERE id BETWEEN ? AND ? ORDER BY id`),
    b: await q(`SELECT * FROM b WHERE id BETWEEN ? AND ? ORDER BY id`),
    codes: await q(`SELECT * FROM codes WHERE legacy_id BETWEEN ? AND ? ORDER BY code`),
    versions: await q(`SELECT source_table, legacy_key, version, deleted, produced, entity_key FROM siphon.row_versions WHERE split_part(legacy_key, ':', 2)::bigint BETWEEN ? AND ? ORDER BY 1, 2`),
    lineage: await q(`SELECT * FROM siphon.lineage WHERE split_part(legacy_key, ':', 2)::bigint BETWEEN ? AND ? ORDER BY 1, 2`),
    parked: await q(`SELECT source_table, legacy_key, version, parent_table, parent_key FROM siphon.parked WHERE split_part(legacy_key, ':', 2)::bigint BETWEEN ? AND ? ORDER BY 1, 2, 3`),
    quarantine: (await s.state.listQuarantine({ state: 'open', limit: 1000 })).items
      .filter((x) => Number(x.key.split(':')[1]) >= lo && Number(x.key.split(':')[1]) <= hi).map((x) => `${x.sourceTable} ${x.key} ${x.reasonCode}`).sort(),
  };
}

describe('bulk path (PostgreSQL) == per-row path', () => {
  // bulk: the direct COPY first (bulk/direct.ts), staged when it steps aside; staged: the staged path alone
  let bulk: Side, staged: Side, perRow: Side;
  let run = 0;
  beforeAll(async () => { [bulk, staged, perRow] = await Promise.all([side(1), side(1, false), side(Infinity)]); });
  afterAll(async () => {
    for (const s of [bulk, staged, perRow]) {
      if (!s) continue;
      await s.applier.close(); await s.next.close(); await s.state.close(); await s.fresh.drop(); rmSync(s.dir, { recursive: true, force: true });
    }
  });

  it('random captured changes and chunk reads, applied in any order: same next, same versions, same quarantine', async () => {
    const before = { ...BULK_STATS };
    const seedArb = fc.array(fc.record({ table: fc.constantFrom<Table>('A', 'B', 'K'), key: fc.integer({ min: 0, max: KEYS - 1 }), v: fc.integer({ min: 1, max: 200 }) }), { maxLength: 12 });
    await fc.assert(fc.asyncProperty(seedArb, fc.array(opArb, { minLength: 1, maxLength: 30 }), async (seed, ops) => {
      const base = ++run * 1000;
      let position = base * 1000;
      // rows legacy holds before capture starts: only chunks bring them (the bulk path's main case)
      const legacy = new Map<string, Img>(seed.map((r) => [`${r.table} ${base + r.key}`, image(r.table, base + r.key, r.v)]));
      // what is applied, in order: captured changes in stream order, chunks inserted `delay` steps away from the
      // moment they were read (before older captured changes too: a re-apply, a late chunk)
      const plan: { at: number; items: ApplyItem[] }[] = [];
      let step = 0;
      // legacy row → the newest version the bulk side reported applied, and every version it applied or parked (a
      // parked change is applied later by the re-drive, when its parent arrives)
      const newest = new Map<string, string>();
      const seen = new Map<string, Set<string>>();
      const note = (it: ApplyItem, outcome: string) => {
        const k = `${it.change.table} int:${(it.change.key.id as { v: string }).v}`;
        const v = versionOf(it.change.position);
        if (outcome === 'applied' && (newest.get(k) ?? '') < v) newest.set(k, v);
        if (outcome === 'applied' || outcome === 'waiting') seen.set(k, (seen.get(k) ?? new Set()).add(v));
      };
      for (const op of ops) {
        position++;
        step++;
        if (op.kind === 'chunk') {
          const items: ApplyItem[] = [];
          for (let k = Math.min(op.lo, op.hi); k <= Math.max(op.lo, op.hi); k++) {
            const row = legacy.get(`${op.table} ${base + k}`);
            if (row) items.push(item(change(op.table, 'read', base + k, position, row), 'backfill'));
          }
          if (items.length > 0) plan.push({ at: step + op.delay + 0.5, items });
          continue;
        }
        const id = base + op.key;
        const k = `${op.table} ${id}`;
        const cur = legacy.get(k);
        if (op.kind === 'delete') {
          if (!cur) continue;
          legacy.delete(k);
          plan.push({ at: step, items: [item(change(op.table, 'delete', id, position, null, cur))] });
        } else {
          const img = image(op.table, id, op.v);
          legacy.set(k, img);
          plan.push({ at: step, items: [item(change(op.table, cur ? 'update' : 'insert', id, position, img, cur ?? null))] });
        }
      }
      plan.sort((x, y) => x.at - y.at);
      // consecutive captured changes go in one batch, as the data path's stream slices
      const batches: ApplyItem[][] = [];
      for (const p of plan) {
        const last = batches[batches.length - 1];
        if (p.items[0]!.change.op !== 'read' && last && last[0]!.change.op !== 'read') last.push(...p.items);
        else batches.push(p.items);
      }
      for (const b of batches) {
        const [x, z, y] = await Promise.all([bulk.applier.apply(b), staged.applier.apply(b), perRow.applier.apply(b)]);
        expect(x.items.map((i) => i.outcome)).toEqual(y.items.map((i) => i.outcome));
        expect(z.items.map((i) => i.outcome)).toEqual(y.items.map((i) => i.outcome));
        b.forEach((it, i) => note(it, x.items[i]!.outcome));
      }
      const [sb, ss, sp] = await Promise.all([snapshot(bulk, base, base + 999), snapshot(staged, base, base + 999), snapshot(perRow, base, base + 999)]);
      expect(sb).toEqual(sp);
      expect(ss).toEqual(sp);
      // no chunk row replaced a newer change: every stored version is the newest one applied for its key
      const stored = await bulk.next.query(`SELECT source_table, legacy_key, version FROM siphon.row_versions WHERE split_part(legacy_key, ':', 2)::bigint BETWEEN ? AND ?`, [base, base + 999]);
      for (const r of stored) {
        const k = `${String(r.source_table)} ${String(r.legacy_key)}`;
        expect(seen.get(k)?.has(String(r.version)), k).toBe(true);
        expect(String(r.version) >= (newest.get(k) ?? ''), k).toBe(true);
      }
    }), { numRuns: 40 });
    // the property is about the bulk path: it must have written rows (the refusals are pinned by the tests below)
    expect(BULK_STATS.written).toBeGreaterThan(before.written);
    // both ways of the bulk part ran: chunks copied straight in, and direct attempts that stepped aside (a version or
    // a row next held, a missing parent, a refused value) for the staged path
    expect(BULK_STATS.direct).toBeGreaterThan(before.direct);
    expect(BULK_STATS.directFailed).toBeGreaterThan(before.directFailed);
  });

  const chunk = (table: Table, ids: readonly number[], img: (id: number) => Img, position: number) =>
    ids.map((id) => item(change(table, 'read', id, position, img(id)), 'backfill'));
  const quarantined = async (s: Side, lo: number) => (await s.state.listQuarantine({ state: 'open', limit: 1000 })).items
    .filter((x) => Number(x.key.split(':')[1]) >= lo && Number(x.key.split(':')[1]) < lo + 1000).map((x) => `${x.key} ${x.reasonCode}`).sort();

  it('a chunk with rows next refuses: the rest is written in bulk, each refused row quarantined with the per-row reason', async () => {
    const base = 900_000;
    const before = { ...BULK_STATS };
    // base+3: CHECK (qty >= 0) refuses it in the set statement; base+5: too long for varchar(5), refused before COPY;
    // base+7: the zod schema refuses the empty name (mapping)
    const img = (id: number): Img => ({ id, name: id === base + 7 ? '' : `n${id}`, qty: id === base + 3 ? -1 : 1, tag: id === base + 5 ? 'toolong' : 'ok' });
    const b = chunk('A', Array.from({ length: 10 }, (_, i) => base + i), img, 9_000_000);
    const [x, y] = await Promise.all([bulk.applier.apply(b), perRow.applier.apply(b)]);
    expect(x.items.map((i) => i.outcome)).toEqual(y.items.map((i) => i.outcome));
    expect(x.quarantined).toBe(3);
    expect(BULK_STATS.refusedBatches).toBe(before.refusedBatches + 1);
    const ids = await bulk.next.query('SELECT id FROM a WHERE id BETWEEN ? AND ? ORDER BY id', [base, base + 999]);
    expect(ids.map((r) => Number((r.id as { v: string }).v))).toEqual([0, 1, 2, 4, 6, 8, 9].map((i) => base + i));
    expect(await quarantined(bulk, base)).toEqual([`int:${base + 3} database`, `int:${base + 5} database`, `int:${base + 7} schema`]);
    expect(await quarantined(bulk, base)).toEqual(await quarantined(perRow, base));
    expect(await snapshot(bulk, base, base + 999)).toEqual(await snapshot(perRow, base, base + 999));
  });

  it('children before their parents: they wait (missing-parent) while the others go in bulk, and come in with the parents', async () => {
    const base = 910_000;
    const before = { ...BULK_STATS };
    // B rows: half reference A rows already in next, half A rows of a later chunk
    await bulk.applier.apply(chunk('A', [base, base + 1], (id) => ({ id, name: 'p', qty: 1, tag: 'ok' }), 9_100_000));
    await perRow.applier.apply(chunk('A', [base, base + 1], (id) => ({ id, name: 'p', qty: 1, tag: 'ok' }), 9_100_000));
    const kids = chunk('B', Array.from({ length: 8 }, (_, i) => base + 100 + i), (id) => ({ id, a_id: base + (id % 4), label: 'c' }), 9_100_001);
    const [x, y] = await Promise.all([bulk.applier.apply(kids), perRow.applier.apply(kids)]);
    expect(x.items.map((i) => i.outcome)).toEqual(y.items.map((i) => i.outcome));
    expect(x.items.map((i) => i.outcome).sort()).toEqual([...Array(4).fill('applied'), ...Array(4).fill('waiting')]);
    expect(BULK_STATS.written).toBe(before.written + 2 + 4);
    const parents = chunk('A', [base + 2, base + 3], (id) => ({ id, name: 'p', qty: 1, tag: 'ok' }), 9_100_002);
    await Promise.all([bulk.applier.apply(parents), perRow.applier.apply(parents)]);
    const n = await bulk.next.query('SELECT count(*) AS n FROM b WHERE id BETWEEN ? AND ?', [base, base + 999]);
    expect(Number((n[0]!.n as { v: string }).v)).toBe(8);
    expect(await bulk.next.query('SELECT count(*) AS n FROM siphon.parked')).toEqual(await perRow.next.query('SELECT count(*) AS n FROM siphon.parked'));
    expect(await snapshot(bulk, base, base + 999)).toEqual(await snapshot(perRow, base, base + 999));
  });

  it('a deferred foreign key: children without their parent wait as per row, the chunk is not lost at COMMIT', async () => {
    const base = 920_000;
    await Promise.all([bulk, staged, perRow].map((x) => x.applier.apply(chunk('A', [base], (id) => ({ id, name: 'p', qty: 1, tag: 'ok' }), 9_200_000))));
    const kids = Array.from({ length: 4 }, (_, i) => item(change('D' as Table, 'read', base + 100 + i, 9_200_001, { id: base + 100 + i, a_id: base + (i % 2) }), 'backfill'));
    const [x, z, y] = await Promise.all([bulk.applier.apply(kids), staged.applier.apply(kids), perRow.applier.apply(kids)]);
    expect(x.items.map((i) => i.outcome)).toEqual(y.items.map((i) => i.outcome));
    expect(z.items.map((i) => i.outcome)).toEqual(y.items.map((i) => i.outcome));
    expect(x.items.map((i) => i.outcome).sort()).toEqual(['applied', 'applied', 'waiting', 'waiting']);
    const rows = async (s: Side) => (await s.next.query('SELECT id, a_id FROM d WHERE id BETWEEN ? AND ? ORDER BY id', [base, base + 999])).map((r) => JSON.stringify(r));
    expect(await rows(bulk)).toEqual(await rows(perRow));
  });
});
