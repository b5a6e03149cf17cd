import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApplier } from '../../src/apply/applier.js';
import type { AspireResult } from '../../src/aspire/types.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { startMigration, type RunningMigration } from '../../src/migrate/run.js';
import { openStateStore } from '../../src/state/open.js';
import { plain } from './setup.js';

/**
 * Must-show property (issue 13): random interleavings of legacy writes (inserts, updates, deletes, children moving
 * between parents), backfill chunks (a real backfill of 2-row chunks runs all along), aspire calls on the same and on
 * different entities (in flight together), and crashes (the whole data path process stopped and started again, with
 * aspire calls in flight) converge to next == to(legacy) — judged by plain SQL on both sides — and every aspire that
 * returned 'migrated' or 'shared' left next at least as new as legacy was at its call: every row of the entity at
 * the call is in next at that revision or newer (or was deleted after the call), and no row next shows in the
 * entity is older than the call unless legacy had it there at the call. Real engines: SQLite legacy (trigger
 * capture), log, state store and next; the real applier, DBLog merger, data path and aspirer.
 */

type Op =
  | { t: 'write'; table: 'P' | 'C'; id: number; pid: number; v: number }
  | { t: 'delete'; table: 'P' | 'C'; id: number }
  | { t: 'aspire'; pid: number }
  | { t: 'settle' }
  | { t: 'crash' };

const PIDS = fc.integer({ min: 1, max: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('write' as const), table: fc.constantFrom('P' as const, 'C' as const), id: fc.integer({ min: 1, max: 6 }), pid: PIDS, v: fc.nat(99) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), table: fc.constantFrom('P' as const, 'C' as const), id: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('aspire' as const), pid: PIDS }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('settle' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const) }) },
);
const initial = fc.array(fc.record({ table: fc.constantFrom('P' as const, 'C' as const), id: fc.integer({ min: 1, max: 6 }), pid: PIDS, v: fc.nat(99) }), { maxLength: 10 });

const row = z.object({ id: z.number().int(), v: z.number().int(), rev: z.number().int() });
const num = (x: unknown) => Number(x);

interface Snapshot { readonly table: 'p' | 'c'; readonly id: number; readonly rev: number }

async function run(init: readonly { table: 'P' | 'C'; id: number; pid: number; v: number }[], ops: readonly Op[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-aspire-prop-'));
  const legacy = await openDatabase(`sqlite:${join(dir, 'legacy.sqlite')}`);
  const next = await openDatabase(`sqlite:${join(dir, 'next.sqlite')}`);
  const config = resolveConfig({
    name: 'prop', legacy: { db: `sqlite:${join(dir, 'legacy.sqlite')}` }, next: { db: `sqlite:${join(dir, 'next.sqlite')}` },
    state: `sqlite:${join(dir, 'state.sqlite')}`, log: `sqlite:${join(dir, 'log.sqlite')}`,
    entities: { p: { root: 'P' } },
    tables: {
      P: { key: 'id', entity: 'p', to: (r: Record<string, unknown>) => ({ p: [{ id: num(r.id), v: num(r.v), rev: num(r.rev) }] }), schemas: { p: row } },
      C: { key: 'id', entity: 'p', entityKey: 'pid', to: (r: Record<string, unknown>) => ({ c: [{ id: num(r.id), pid: num(r.pid), v: num(r.v), rev: num(r.rev) }] }), schemas: { c: row.extend({ pid: z.number().int() }) } },
    },
  });
  const state = await openStateStore(config.state);
  let rev = 0;
  const deletes: { table: 'p' | 'c'; id: number; rev: number }[] = [];
  const write = async (o: { table: 'P' | 'C'; id: number; pid: number; v: number }) => {
    const r = ++rev;
    if (o.table === 'P') await legacy.execute('INSERT INTO P (id, v, rev) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET v = excluded.v, rev = excluded.rev', [o.id, o.v, r]);
    else await legacy.execute('INSERT INTO C (id, pid, v, rev) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, v = excluded.v, rev = excluded.rev', [o.id, o.pid, o.v, r]);
  };
  let m: RunningMigration | null = null;
  const problems: string[] = [];
  const pending: Promise<void>[] = [];
  try {
    for (const [t, ddl] of [['P', 'id INTEGER PRIMARY KEY, v INTEGER NOT NULL, rev INTEGER NOT NULL'], ['C', 'id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, v INTEGER NOT NULL, rev INTEGER NOT NULL']] as const) {
      await legacy.execute(`CREATE TABLE ${t} (${ddl})`);
      await next.execute(`CREATE TABLE ${t.toLowerCase()} (${ddl})`);
    }
    for (const i of init) await write(i);
    const start = () => startMigration({
      config, source: 'legacy', slot: 'prop', legacy, capturePollMs: 2, chunkSize: 2,
      throttle: { heartbeatMaxMs: 0, maxLagSeconds: 0 },
      openApplier: async (c) => {
        const a = await createApplier({ config: c, next, state });
        return { apply: (i, o) => a.apply(i, o), checkpoint: (x) => a.checkpoint(x), appliedVersion: (t, k) => a.appliedVersion(t, k), close: () => a.close() };
      },
      aspire: { leaseMs: 2_000, servePollMs: 20, chunks: { timeoutMs: 20_000 } },
    });
    m = await start();
    const entityIn = async (db: Database, pid: number, lower: boolean): Promise<Snapshot[]> => {
      const [p, c] = lower ? ['p', 'c'] : ['P', 'C'];
      const ps = await db.query(`SELECT id, rev FROM ${p} WHERE id = ?`, [pid]);
      const cs = await db.query(`SELECT id, rev FROM ${c} WHERE pid = ?`, [pid]);
      return [...ps.map((r) => ({ table: 'p' as const, id: num(plain(r['id'])), rev: num(plain(r['rev'])) })), ...cs.map((r) => ({ table: 'c' as const, id: num(plain(r['id'])), rev: num(plain(r['rev'])) }))];
    };
    const check = async (pid: number, callRev: number, snap: readonly Snapshot[], r: AspireResult) => {
      if (r.outcome !== 'migrated' && r.outcome !== 'shared') return;
      const inNext = await entityIn(next, pid, true);
      for (const s of snap) {
        const n = (await next.query(`SELECT rev FROM ${s.table} WHERE id = ?`, [s.id]))[0];
        if (n) { if (num(plain(n['rev'])) < s.rev) problems.push(`aspire ${pid} (${r.outcome}): next ${s.table}.${s.id} at rev ${plain(n['rev'])} < ${s.rev} at the call`); }
        else if (!deletes.some((d) => d.table === s.table && d.id === s.id && d.rev > callRev)) problems.push(`aspire ${pid} (${r.outcome}): next lacks ${s.table}.${s.id} (rev ${s.rev} at the call)`);
      }
      for (const n of inNext) {
        if (!snap.some((s) => s.table === n.table && s.id === n.id) && n.rev <= callRev) problems.push(`aspire ${pid} (${r.outcome}): next shows ${n.table}.${n.id} at rev ${n.rev} in the entity, legacy did not at the call (rev ${callRev})`);
      }
    };
    for (const o of ops) {
      switch (o.t) {
        case 'write': await write(o); break;
        case 'delete': {
          const r = ++rev;
          await legacy.execute(`DELETE FROM ${o.table} WHERE id = ?`, [o.id]);
          deletes.push({ table: o.table === 'P' ? 'p' : 'c', id: o.id, rev: r });
          break;
        }
        case 'aspire': {
          const callRev = rev;
          const snap = await entityIn(legacy, o.pid, false);
          const a = m.aspirer!;
          pending.push(a.aspire({ entity: 'p', key: String(o.pid), trigger: 'library' }).then((r) => check(o.pid, callRev, snap, r)));
          break;
        }
        case 'settle': await Promise.all(pending.splice(0)); break;
        case 'crash':
          await m.stop();
          m = await start();
          break;
      }
    }
    await Promise.all(pending.splice(0));
    // converge: the backfill finishes, apply catches up with everything legacy committed
    await m.backfillDone;
    await m.drain();
    for (const [l, n, cols] of [['P', 'p', 'id, v, rev'], ['C', 'c', 'id, pid, v, rev']] as const) {
      const a = (await legacy.query(`SELECT ${cols} FROM ${l} ORDER BY id`)).map((r) => JSON.stringify(Object.values(r).map(plain)));
      const b = (await next.query(`SELECT ${cols} FROM ${n} ORDER BY id`)).map((r) => JSON.stringify(Object.values(r).map(plain)));
      expect(b, `${n} == to(${l})`).toEqual(a);
    }
    expect(problems).toEqual([]);
  } finally {
    await Promise.allSettled(pending);
    await m?.stop().catch(() => undefined);
    await state.close(); await legacy.close(); await next.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('aspire property: interleavings of writes, backfill chunks, aspire calls and crashes', () => {
  it('converge to next == to(legacy), and a successful aspire is never older than legacy at its call', async () => {
    await fc.assert(fc.asyncProperty(initial, fc.array(op, { minLength: 4, maxLength: 24 }), run), { numRuns: Number(process.env.SIPHON_ASPIRE_RUNS ?? 12), endOnFailure: true });
  }, 600_000);
});
