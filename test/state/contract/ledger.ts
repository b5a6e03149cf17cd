import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ledgerEntries } from '../../../src/state/iterate.js';
import { compareVersions, sortableCounter } from '../../../src/state/version-order.js';
import { LEDGER_STATES, type LedgerUpsert } from '../../../src/state/types.js';
import { rejection, type ContractContext } from './context.js';

export function ledgerContract(ctx: ContractContext): void {
  const up = (key: string, version: number, state: LedgerUpsert['state'] = 'copied', entity = 'customer'): LedgerUpsert =>
    ({ entity, key, state, version: sortableCounter(version), origin: 'capture' });

  it('upserts, reads one and many, and only a newer version wins', async () => {
    const s = ctx.store();
    expect(await s.upsertLedger([up('1', 10), up('2', 5), up('1', 12), up('3', 7, 'legacy')])).toEqual({ applied: 3, stale: 1 });
    expect(await s.upsertLedger([up('1', 11, 'verified'), up('1', 12, 'verified'), up('2', 6, 'verified')])).toEqual({ applied: 1, stale: 2 });
    const one = await s.getLedger('customer', '1');
    expect(one).toMatchObject({ entity: 'customer', key: '1', state: 'copied', version: sortableCounter(12), origin: 'capture' });
    expect(one!.createdAt).toBeInstanceOf(Date);
    expect((await s.getLedger('customer', '2'))?.state).toBe('verified');
    expect(await s.getLedger('customer', 'nope')).toBeUndefined();
    expect(await s.getLedger('invoice', '1')).toBeUndefined();
    const many = await s.getLedgerMany('customer', ['3', '1', 'missing']);
    expect(many.map((e) => e.key)).toEqual(['1', '3']);
    expect(await s.getLedgerMany('customer', [])).toEqual([]);
  });

  it('changes state at an unchanged version only when the guards hold', async () => {
    const s = ctx.store();
    await s.upsertLedger([up('g1', 3, 'copied', 'guarded'), up('g2', 3, 'copied', 'guarded')]);
    // verify saw version 2, but apply has since written 3: the stale verification must not stick
    expect(await s.setLedgerState([{ entity: 'guarded', key: 'g1', state: 'verified', ifVersion: sortableCounter(2) }])).toBe(0);
    expect(await s.setLedgerState([{ entity: 'guarded', key: 'g1', state: 'verified', ifVersion: sortableCounter(3) }])).toBe(1);
    expect(await s.setLedgerState([{ entity: 'guarded', key: 'g2', state: 'owned-by-next', ifState: ['verified'] }])).toBe(0);
    expect(await s.setLedgerState([{ entity: 'guarded', key: 'g2', state: 'owned-by-next', ifState: ['copied', 'verified'] }])).toBe(1);
    expect(await s.setLedgerState([{ entity: 'guarded', key: 'absent', state: 'verified' }])).toBe(0);
    expect((await s.getLedger('guarded', 'g1'))?.state).toBe('verified');
    expect((await s.getLedger('guarded', 'g2'))).toMatchObject({ state: 'owned-by-next', version: sortableCounter(3) });
  });

  it('pages through an entity in byte-wise key order, with a state filter, and counts by state', async () => {
    const s = ctx.store();
    const keys = Array.from({ length: 57 }, (_, i) => `k${String(i).padStart(3, '0')}`).concat(['K', 'a', 'é', 'z', '0']);
    await s.upsertLedger(keys.map((k, i) => up(k, i + 1, i % 3 === 0 ? 'verified' : 'copied', 'paged')));
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await s.listLedger({ entity: 'paged', after, limit: 10 });
      expect(page.items.length).toBeLessThanOrEqual(10);
      seen.push(...page.items.map((e) => e.key));
      if (page.next === null) break;
      after = page.next;
    }
    expect(seen).toEqual([...keys].sort(compareVersions));
    const iterated: string[] = [];
    for await (const e of ledgerEntries(s, { entity: 'paged', limit: 7 })) iterated.push(e.key);
    expect(iterated).toEqual(seen);
    const verified = await s.listLedger({ entity: 'paged', state: 'verified', limit: 10_000 });
    expect(verified.items.every((e) => e.state === 'verified')).toBe(true);
    expect(verified.next).toBeNull();
    const counts = await s.ledgerCounts('paged');
    expect(counts).toEqual([
      { entity: 'paged', state: 'copied', count: keys.length - verified.items.length },
      { entity: 'paged', state: 'verified', count: verified.items.length },
    ]);
    expect((await s.ledgerCounts()).some((c) => c.entity === 'customer')).toBe(true);
  });

  it('refuses bad entries with the path of the bad field, writing nothing', async () => {
    const s = ctx.store();
    const bad = { ...up('x', 1, 'copied', 'badinput'), state: 'done' } as unknown as LedgerUpsert;
    const e = await rejection(s.upsertLedger([up('ok', 1, 'copied', 'badinput'), bad]));
    expect(e.code).toBe('STATE_INVALID_INPUT');
    expect(e.message).toContain('upsertLedger: entries[1].state');
    expect(e.message).toContain('"done"');
    expect(await s.getLedger('badinput', 'ok')).toBeUndefined();
    expect((await rejection(s.listLedger({ entity: 'badinput', limit: 0 }))).message).toContain('listLedger: limit');
    expect((await rejection(s.upsertLedger([up('k'.repeat(501), 1, 'copied', 'badinput')]))).message).toContain('entries[0].key');
  });

  it('property: batches in any order, even concurrently from two connections, leave the max version per key', async () => {
    const s = ctx.store();
    const o = ctx.other();
    let run = 0;
    const update = fc.record({
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      version: fc.nat({ max: 1_000_000 }),
      state: fc.constantFrom(...LEDGER_STATES),
    });
    await fc.assert(fc.asyncProperty(fc.array(update, { minLength: 1, maxLength: 40 }), fc.nat({ max: 6 }), async (updates, cut) => {
      const entity = `prop${run++}`;
      const entries = updates.map((u) => up(u.key, u.version, u.state, entity));
      const batches = [entries.slice(0, cut), entries.slice(cut)];
      await Promise.all([s.upsertLedger(batches[0]!), o.upsertLedger(batches[1]!)]);
      for (const key of new Set(updates.map((u) => u.key))) {
        const max = Math.max(...updates.filter((u) => u.key === key).map((u) => u.version));
        const got = await s.getLedger(entity, key);
        expect(got?.version).toBe(sortableCounter(max));
        // the state is one written with that version (two updates may share it)
        expect(updates.filter((u) => u.key === key && u.version === max).map((u) => u.state)).toContain(got?.state);
      }
    }), { numRuns: 25 });
  });
}
