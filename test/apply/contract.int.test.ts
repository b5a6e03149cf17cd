import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/backends/types.js';
import { ApplyCheckpointConflictError } from '../../src/apply/index.js';
import { change, del, harness, ins, item, rows, upd, type Harness } from './support.js';
import { int } from '../../src/values/index.js';

// One contract, next = PostgreSQL and SQLite, against the real engines. End states are read back by plain SQL.
const DIALECTS: readonly Dialect[] = ['postgres', 'sqlite'];

describe.each(DIALECTS)('apply contract, next on %s', (dialect) => {
  let h: Harness;
  beforeAll(async () => { h = await harness(dialect); });
  afterAll(async () => { await h?.close(); });

  it('writes a new row, updates it, and skips an older or equal version (compare-and-set)', async () => {
    let r = await h.applier.apply([ins('I', 1, 10, { name: 'a', qty: 1 })]);
    expect(r).toMatchObject({ written: 2 - 1, stale: 0, quarantined: 0 });
    r = await h.applier.apply([upd('I', 1, 12, { name: 'b', qty: 2 }), upd('I', 1, 11, { name: 'older', qty: 9 }), upd('I', 1, 12, { name: 'equal', qty: 9 })]);
    expect(r.stale).toBe(2);
    expect(await rows(h.next, 'items')).toEqual([{ id: 1, name: 'b', qty: 2 }]);
    expect(await h.applier.appliedVersion('I', { id: { t: 'int', v: '1' } })).toBe('000000000000000c');
  });

  it('a tombstone beats an older insert delivered late; a newer insert brings the row back', async () => {
    await h.applier.apply([del('I', 1, 20)]);
    expect(await rows(h.next, 'items')).toEqual([]);
    const r = await h.applier.apply([ins('I', 1, 15, { name: 'late', qty: 1 })]);
    expect(r.stale).toBe(1);
    expect(await rows(h.next, 'items')).toEqual([]);
    await h.applier.apply([ins('I', 1, 21, { name: 'back', qty: 3 })]);
    expect(await rows(h.next, 'items')).toEqual([{ id: 1, name: 'back', qty: 3 }]);
  });

  it('is idempotent: the same batch twice has the effect of once', async () => {
    const batch = [ins('I', 2, 30, { name: 'x', qty: 1, tags: 'a,b' }), upd('I', 2, 31, { name: 'y', qty: 2, tags: 'b' }), ins('P', 1, 32, { name: 'p' })];
    const first = await h.applier.apply(batch);
    const before = [await rows(h.next, 'items'), await rows(h.next, 'item_tags'), await rows(h.next, 'parents')];
    const second = await h.applier.apply(batch);
    expect(first.stale).toBe(0);
    expect(second).toMatchObject({ written: 0, deleted: 0, stale: 3 });
    expect([await rows(h.next, 'items'), await rows(h.next, 'item_tags'), await rows(h.next, 'parents')]).toEqual(before);
    expect(await rows(h.next, 'item_tags')).toEqual([{ item_id: 2, tag: 'b' }]);
  });

  it('moves the checkpoint in the same transaction as the rows; a conflicting batch moves neither', async () => {
    expect(await h.applier.checkpoint('c1')).toBeNull();
    await h.applier.apply([ins('I', 3, 40, { name: 'c', qty: 1 })], { checkpoint: { consumer: 'c1', expected: null, next: '7' } });
    expect(await h.applier.checkpoint('c1')).toBe('7');
    const err = await h.applier.apply([ins('I', 4, 41, { name: 'd', qty: 1 })], { checkpoint: { consumer: 'c1', expected: '6', next: '8' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyCheckpointConflictError);
    expect(await h.applier.checkpoint('c1')).toBe('7');
    expect((await rows(h.next, 'items')).map((r) => r.id)).not.toContain(4);
  });

  it('lineage: rows a new image no longer produces are deleted; a delete removes every produced row', async () => {
    await h.applier.apply([ins('I', 5, 50, { name: 'e', qty: 1, tags: 'a,b,c' })]);
    const r = await h.applier.apply([upd('I', 5, 51, { name: 'e', qty: 1, tags: 'c,d' })]);
    expect(r).toMatchObject({ deleted: 2 });
    expect((await rows(h.next, 'item_tags', 'item_id, tag')).filter((t) => t.item_id === 5)).toEqual([{ item_id: 5, tag: 'c' }, { item_id: 5, tag: 'd' }]);
    await h.applier.apply([del('I', 5, 52)]);
    expect((await rows(h.next, 'item_tags')).filter((t) => t.item_id === 5)).toEqual([]);
    expect((await rows(h.next, 'items')).filter((t) => t.id === 5)).toEqual([]);
  });

  it('an update that changes the legacy key removes what the old key produced and writes the new', async () => {
    await h.applier.apply([ins('I', 6, 60, { name: 'six', qty: 6, tags: 't' })]);
    const moved = item(change('I', 'update', 7, 61, { id: 7, name: 'seven', qty: 7, tags: 'u' }, { id: 6, name: 'six', qty: 6, tags: 't' }));
    await h.applier.apply([moved]);
    const items = (await rows(h.next, 'items')).filter((r) => r.id === 6 || r.id === 7);
    expect(items).toEqual([{ id: 7, name: 'seven', qty: 7 }]);
    expect((await rows(h.next, 'item_tags')).filter((r) => r.item_id === 6 || r.item_id === 7)).toEqual([{ item_id: 7, tag: 'u' }]);
    // the old key is a tombstone at that version: a late insert of it loses
    await h.applier.apply([ins('I', 6, 59, { name: 'late', qty: 1 })]);
    expect((await rows(h.next, 'items')).filter((r) => r.id === 6)).toEqual([]);
  });

  it('a key change named only by capture\'s oldKey (no before image: pgoutput without REPLICA IDENTITY FULL) moves the row too', async () => {
    await h.applier.apply([ins('I', 16, 160, { name: 'sixteen', qty: 16, tags: 'a' })]);
    const moved = change('I', 'update', 17, 161, { id: 17, name: 'seventeen', qty: 17, tags: 'b' }, null);
    await h.applier.apply([item({ ...moved, oldKey: { id: int(16) } })]);
    expect((await rows(h.next, 'items')).filter((r) => r.id === 16 || r.id === 17)).toEqual([{ id: 17, name: 'seventeen', qty: 17 }]);
    expect((await rows(h.next, 'item_tags')).filter((r) => r.item_id === 16 || r.item_id === 17)).toEqual([{ item_id: 17, tag: 'b' }]);
  });

  it('an incomplete image (columns capture could not re-read after a DDL) is quarantined, never written as NULLs', async () => {
    await h.applier.apply([ins('I', 18, 170, { name: 'eighteen', qty: 18, tags: '' })]);
    const short = change('I', 'update', 18, 171, { id: 18, name: 'eighteen', tags: '' }, null);
    const r = await h.applier.apply([item({ ...short, incomplete: ['qty'] })]);
    expect(r).toMatchObject({ quarantined: 1 });
    expect((await rows(h.next, 'items')).filter((x) => x.id === 18)).toEqual([{ id: 18, name: 'eighteen', qty: 18 }]);
    const q = (await h.state.listQuarantine({ state: 'open' })).items.filter((i) => i.key === 'int:18');
    expect(q[0]?.message).toMatch(/incomplete image: columns qty missing/);
  });

  it('two legacy rows producing the same next key: the second is quarantined (next-key-conflict), never overwrites', async () => {
    await h.applier.apply([ins('K', 1, 70, { code: 'X' })]);
    const r = await h.applier.apply([ins('K', 2, 71, { code: 'x' })]);
    expect(r.quarantined).toBe(1);
    expect(await rows(h.next, 'codes')).toEqual([{ code: 'x', legacy_id: 1 }]);
    const q = await h.state.listQuarantine({ sourceTable: 'K', reasonCode: 'next-key-conflict' });
    expect(q.items).toHaveLength(1);
    expect(q.items[0]!.message).toMatch(/codes .*already produced by K/);
    // once the first row lets go of the key, the second may take it
    await h.applier.apply([upd('K', 1, 72, { code: 'Y' }), ins('K', 2, 73, { code: 'x' })]);
    expect(await rows(h.next, 'codes')).toEqual([{ code: 'x', legacy_id: 2 }, { code: 'y', legacy_id: 1 }]);
  });

  it('a self-keyed row (no lineage line) and a row keyed otherwise claiming the same next key: ownership holds both ways', async () => {
    const lineageOf = async (t: string) => {
      const schema = dialect === 'postgres' ? 'siphon.' : 'siphon_';
      return (await h.next.query(`SELECT next_key, source_table, legacy_key FROM ${schema}lineage WHERE next_table = ? ORDER BY 1`, [t]))
        .map((r) => `${String(r.next_key)}<-${String(r.source_table)}:${String(r.legacy_key)}`);
    };
    const soft500 = async () => (await rows(h.next, 'soft')).filter((r) => r.id === 500);
    await h.applier.apply([ins('S', 500, 400, { v: 's' })]);
    // T 1 claims soft 500, which S 500 produces (implied owner, no lineage line): refused, never overwritten
    let r = await h.applier.apply([ins('T', 1, 401, { sid: 500, v: 't1' })]);
    expect(r.quarantined).toBe(1);
    expect(await soft500()).toEqual([{ id: 500, v: 's', deleted_at: null }]);
    const q = await h.state.listQuarantine({ sourceTable: 'T', reasonCode: 'next-key-conflict' });
    expect(q.items[0]!.message).toMatch(/soft .*already produced by S/);
    // S 500 changes its key (lets go of soft 500) and T 2 takes it in the same batch: T 2 owns it by a lineage line
    await h.applier.apply([item(change('S', 'update', 501, 402, { id: 501, v: 's' }, { id: 500, v: 's' })), ins('T', 2, 403, { sid: 500, v: 't2' })]);
    expect(await soft500()).toEqual([{ id: 500, v: 't2', deleted_at: null }]);
    expect(await lineageOf('soft')).toHaveLength(1);
    // S 500 comes back while T 2 holds soft 500: refused
    r = await h.applier.apply([ins('S', 500, 404, { v: 'back' })]);
    expect(r.quarantined).toBe(1);
    expect(await soft500()).toEqual([{ id: 500, v: 't2', deleted_at: null }]);
    // T 2 lets go and S 500 takes it in one batch: T 2's lineage line goes with it, so T 3 is refused as S 500's
    await h.applier.apply([del('T', 2, 405, { sid: 500, v: 't2' }), ins('S', 500, 406, { v: 'again' })]);
    expect(await soft500()).toEqual([{ id: 500, v: 'again', deleted_at: null }]);
    expect(await lineageOf('soft')).toEqual([]);
    r = await h.applier.apply([ins('T', 3, 407, { sid: 500, v: 't3' })]);
    expect(r.quarantined).toBe(1);
    expect(await soft500()).toEqual([{ id: 500, v: 'again', deleted_at: null }]);
  });

  it('foreign keys: a child whose parent is absent waits (missing-parent) and is re-driven when the parent arrives; an orphan stays', async () => {
    const r = await h.applier.apply([ins('C', 10, 80, { parent_id: 100, label: 'waits' }), ins('C', 11, 81, { parent_id: 999, label: 'orphan' })]);
    expect(r.waiting).toBe(2);
    expect((await rows(h.next, 'children')).filter((c) => Number(c.id) >= 10)).toEqual([]);
    expect((await h.state.listQuarantine({ reasonCode: 'missing-parent', state: 'open' })).items.map((i) => i.key).sort()).toEqual(['int:10', 'int:11']);
    // the parent and a child of it in one batch, child first: written parent-first
    await h.applier.apply([ins('C', 12, 82, { parent_id: 100, label: 'same batch' }), ins('P', 100, 83, { name: 'parent' })]);
    const children = (await rows(h.next, 'children')).filter((c) => Number(c.id) >= 10);
    expect(children).toEqual([{ id: 10, parent_id: 100, label: 'waits' }, { id: 12, parent_id: 100, label: 'same batch' }]);
    const open = await h.state.listQuarantine({ reasonCode: 'missing-parent', state: 'open' });
    expect(open.items.map((i) => i.key)).toEqual(['int:11']);
  });

  it('quarantines a failing change whole, with its stage and reason; the rest of the batch is applied', async () => {
    const r = await h.applier.apply([
      ins('P', 200, 90, { name: '' }),                 // schema: name too short
      ins('I', 20, 91, { name: 'ok', qty: 1 }),
      ins('I', 21, 92, { name: 'neg', qty: -1 }),       // the database refuses it (CHECK): found by bisection
      ins('I', 22, 93, { name: 'ok2', qty: 2 }),
      ins('Nope', 1, 94, { x: 1 }),                     // no mapping
    ]);
    expect(r).toMatchObject({ quarantined: 3 });
    expect(r.items.map((i) => i.outcome)).toEqual(['quarantined', 'applied', 'quarantined', 'applied', 'quarantined']);
    expect((await rows(h.next, 'items')).filter((x) => Number(x.id) >= 20).map((x) => x.id)).toEqual([20, 22]);
    const q = (await h.state.listQuarantine({ state: 'open' })).items;
    const by = (code: string) => q.filter((i) => i.reasonCode === code);
    expect(by('schema')[0]).toMatchObject({ sourceTable: 'P', key: 'int:200' });
    expect(by('schema')[0]!.message).toMatch(/schema parents\.name: too_small/);
    expect(by('database')[0]).toMatchObject({ sourceTable: 'I', key: 'int:21' });
    expect(by('unmapped-table')[0]).toMatchObject({ sourceTable: 'Nope' });
    const payload = by('database')[0]!.payload as { change: { position: string; after: Record<string, unknown> }; origin: string };
    expect(payload.origin).toBe('capture');
    expect(payload.change.position).toBe('00000000000000000092');
    expect(payload.change.after.name).toBe('neg');
  });

  it('a newer applied change of a row resolves its older open quarantine items (superseded); an older one never does', async () => {
    await h.applier.apply([ins('P', 310, 300, { name: '' })]);        // quarantined (schema)
    await h.applier.apply([upd('P', 311, 302, { name: '' })]);        // quarantined at a newer version than what comes next
    const open = async (id: number) => (await h.state.listQuarantine({ state: 'open', sourceTable: 'P', key: `int:${id}` })).items;
    expect(await open(310)).toHaveLength(1);
    await h.applier.apply([upd('P', 311, 301, { name: 'older' })]);   // applied, but older than the quarantined 302
    expect(await open(311)).toHaveLength(1);
    await h.applier.apply([upd('P', 310, 303, { name: 'fixed' })]);   // applied, newer than the quarantined 300
    expect(await open(310)).toHaveLength(0);
    const resolved = (await h.state.listQuarantine({ state: 'resolved', sourceTable: 'P', key: 'int:310' })).items;
    expect(resolved).toHaveLength(1);
  });

  it('soft delete: the produced rows stay with the configured columns set; a re-insert makes them live again', async () => {
    await h.applier.apply([ins('S', 1, 100, { v: 'one' })]);
    const d = change('S', 'delete', 1, 101, null, { id: 1, v: 'one' });
    await h.applier.apply([item(d)]);
    expect((await rows(h.next, 'soft')).filter((r) => r.id === 1)).toEqual([{ id: 1, v: 'one', deleted_at: d.at }]);
    await h.applier.apply([ins('S', 1, 102, { v: 'again' })]);
    expect((await rows(h.next, 'soft')).filter((r) => r.id === 1)).toEqual([{ id: 1, v: 'again', deleted_at: null }]);
  });

  it('keeps row versions, lineage and checkpoints in its own tables inside next', async () => {
    const schema = dialect === 'postgres' ? 'siphon.' : 'siphon_';
    const versions = await h.next.query(`SELECT count(*) AS n FROM ${schema}row_versions`);
    // lineage lines only for next rows not keyed by their own legacy key (codes by code, item_tags by (item_id, tag))
    const lineage = await h.next.query(`SELECT next_table, count(*) AS n FROM ${schema}lineage GROUP BY next_table ORDER BY 1`);
    expect(Number((versions[0]!.n as { v: string }).v)).toBeGreaterThan(5);
    expect(lineage.map((r) => String(r.next_table))).toEqual(['codes', 'item_tags']);
  });
});
