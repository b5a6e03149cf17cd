import fc from 'fast-check';
import pg from 'pg';
import { expect, it } from 'vitest';
import { sortableCounter } from '../../../src/state/version-order.js';
import type { LedgerCursor, LedgerStore, LedgerUpsert } from '../../../src/state/types.js';
import { rejection, type ContractContext } from './context.js';

/** A follower as the gateway's cache is one: drain pages until `more` is false, keep the latest line per key. */
async function drain(s: LedgerStore, after: LedgerCursor | null, view: Map<string, string>, entity: string, limit = 7): Promise<LedgerCursor> {
  let cursor = after;
  for (;;) {
    const page = await s.ledgerChanges({ after: cursor, limit });
    for (const e of page.items) if (e.entity === entity) view.set(e.key, `${e.state}@${e.version}`);
    cursor = page.cursor;
    if (!page.more) return cursor;
  }
}

async function truth(ctx: ContractContext, entity: string): Promise<Map<string, string>> {
  // judged with plain SQL, not with the adapter under test
  const rows = await ctx.raw<{ key: string; state: string; version: string }>(ctx.url,
    `SELECT key, state, version FROM ledger WHERE entity = '${entity}'`);
  return new Map(rows.map((r) => [r.key, `${r.state}@${r.version}`]));
}

/**
 * Drains until the follower equals the ledger. On PostgreSQL a line whose transaction is newer than one still running
 * elsewhere on the server (other tests share it) may come only once that one ends: eventually, never skipped.
 */
async function caughtUp(ctx: ContractContext, s: LedgerStore, cursor: LedgerCursor | null, view: Map<string, string>, entity: string): Promise<LedgerCursor> {
  const want = await truth(ctx, entity);
  let c = cursor;
  for (let i = 0; i < 600; i++) {
    c = await drain(s, c, view, entity);
    if (JSON.stringify([...view].sort()) === JSON.stringify([...want].sort())) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(view).toEqual(want);
  return c!;
}

export function ledgerFeedContract(ctx: ContractContext): void {
  const up = (entity: string, key: string, version: number, state: LedgerUpsert['state'] = 'copied'): LedgerUpsert =>
    ({ entity, key, state, version: sortableCounter(version), origin: 'aspire' });

  it('gives every line once from the start, then only what changed, in commit order, each line in its latest form', async () => {
    const s = ctx.store();
    await s.upsertLedger([up('feed', 'a', 1), up('feed', 'b', 1), up('feed', 'c', 1, 'quarantined')]);
    const view = new Map<string, string>();
    let cursor = await drain(s, null, view, 'feed', 2);
    cursor = await caughtUp(ctx, s, cursor, view, 'feed');
    // nothing new: nothing, or lines already given again in the same form (PostgreSQL, until its cursor passes them)
    const idle = await s.ledgerChanges({ after: cursor });
    for (const e of idle.items) if (e.entity === 'feed') expect(view.get(e.key)).toBe(`${e.state}@${e.version}`);

    await s.upsertLedger([up('feed', 'b', 2)]);
    await s.setLedgerState([{ entity: 'feed', key: 'a', state: 'owned-by-next' }]);
    await ctx.other().upsertLedger([up('feed', 'd', 1)]);
    await s.upsertLedger([up('feed', 'b', 3, 'verified')]);
    await s.upsertLedger([up('feed', 'c', 0)]); // stale: not a change
    // the new forms arrive in commit order; a line written twice shows in its latest form
    const before = new Map(view);
    const fresh: string[] = [];
    let c: LedgerCursor = cursor;
    for (let i = 0; i < 600 && fresh.length < 3; i++) {
      const page = await s.ledgerChanges({ after: c, limit: 10 });
      for (const e of page.items) {
        const form = `${e.state}@${e.version}`;
        if (e.entity === 'feed' && before.get(e.key) !== form && view.get(e.key) !== form) fresh.push(`${e.key}:${e.state}`);
        if (e.entity === 'feed') view.set(e.key, form);
      }
      c = page.cursor;
      if (!page.more && fresh.length < 3) await new Promise((r) => setTimeout(r, 50));
    }
    expect(fresh).toEqual(['a:owned-by-next', 'd:copied', 'b:verified']);
    await caughtUp(ctx, s, c, view, 'feed');
  });

  it('refuses a cursor it did not make', async () => {
    const e = await rejection(ctx.store().ledgerChanges({ after: 'not-a-cursor' }));
    expect(e.code).toBe('STATE_INVALID_INPUT');
    expect(e.message).toContain('ledgerChanges: after');
    expect((await rejection(ctx.store().ledgerChanges({ after: null, limit: 0 }))).message).toContain('ledgerChanges: limit');
  });

  it('property: a follower polling while two connections write ends equal to the ledger (no line skipped)', async () => {
    const s = ctx.store();
    const o = ctx.other();
    let run = 0;
    const op = fc.record({
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      version: fc.nat({ max: 50 }),
      state: fc.constantFrom('copied', 'verified', 'owned-by-next', 'quarantined', 'legacy') as fc.Arbitrary<LedgerUpsert['state']>,
      byOther: fc.boolean(),
      setState: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
      const entity = `feedprop${run++}`;
      const view = new Map<string, string>();
      let cursor: LedgerCursor | null = null;
      let writing = true;
      const writes = (async () => {
        await Promise.all([true, false].map(async (other) => {
          for (const x of ops.filter((y) => y.byOther === other)) {
            const st = other ? o : s;
            if (x.setState) await st.setLedgerState([{ entity, key: x.key, state: x.state }]);
            else await st.upsertLedger([up(entity, x.key, x.version, x.state)]);
          }
        }));
        writing = false;
      })();
      while (writing) cursor = await drain(s, cursor, view, entity, 3);
      await writes;
      await caughtUp(ctx, s, cursor, view, entity);
    }), { numRuns: 20 });
  });

  it('postgres: a line committed late behind a newer one is not skipped, and the newer one is not held back', async (t) => {
    if (ctx.dialect !== 'postgres') { t.skip(); return; }
    const s = ctx.store();
    await s.upsertLedger([up('late', 'slow', 1), up('late', 'fast', 1)]);
    const view = new Map<string, string>();
    let cursor = await drain(s, null, view, 'late');
    const u = new URL(ctx.url);
    const schema = u.searchParams.get('schema') ?? 'siphon_state';
    u.searchParams.delete('schema');
    const slow = new pg.Client({ connectionString: u.toString() });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      // takes its sequence number first, commits last
      await slow.query(`UPDATE "${schema}".ledger SET state = 'verified' WHERE entity = 'late' AND key = 'slow'`);
      await ctx.other().upsertLedger([up('late', 'fast', 2, 'owned-by-next')]);
      cursor = await drain(s, cursor, view, 'late');
      // the committed line is seen at once, but the cursor does not move past the open transaction's line
      expect(view.get('fast')).toBe(`owned-by-next@${sortableCounter(2)}`);
      expect(view.get('slow')).toBe(`copied@${sortableCounter(1)}`);
      await slow.query('COMMIT');
    } finally { await slow.end(); }
    await caughtUp(ctx, s, cursor, view, 'late');
    expect(view.get('slow')).toBe(`verified@${sortableCounter(1)}`);
  });
}
