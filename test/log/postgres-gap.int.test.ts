import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { encodeRecord } from '../../src/log/codec.js';
import { changes, LogFactory, readAll } from './logs.js';

// Part of the log contract, PostgreSQL only: the reader must not skip a transaction that took its positions first
// but committed after a later one. Two real client transactions are interleaved on the log's table.
describe('PostgreSQL log: a later transaction commits before an earlier one', () => {
  const f = new LogFactory('postgres');
  afterEach(() => f.closeOpened());
  afterAll(() => f.dropAll());

  it('the snapshot rule delivers both; a position-only checkpoint would have lost the earlier one', async () => {
    const { url, log } = await f.fresh();
    const u = new URL(url);
    const schema = u.searchParams.get('schema')!;
    u.searchParams.delete('schema');
    const t1 = new pg.Client({ connectionString: u.toString() });
    const t2 = new pg.Client({ connectionString: u.toString() });
    const admin = new pg.Client({ connectionString: u.toString() });
    await Promise.all([t1.connect(), t2.connect(), admin.connect()]);
    try {
      const insert = (c: pg.Client, recs: ReturnType<typeof changes>) => c.query<{ position: string }>(
        `INSERT INTO ${schema}.entries (source, tbl, kind, op, record) SELECT 'legacy', 'orders', 'change', 'insert', r
         FROM unnest($1::text[]) AS r RETURNING position::text`, [recs.map(encodeRecord)]);
      const early = changes(1, 2);
      const late = changes(3, 2);
      await t1.query('BEGIN');
      const p1 = (await insert(t1, early)).rows.map((r) => Number(r.position));
      await t2.query('BEGIN');
      const p2 = (await insert(t2, late)).rows.map((r) => Number(r.position));
      await t2.query('COMMIT');
      expect(Math.max(...p1)).toBeLessThan(Math.min(...p2)); // T1 took the lower positions

      // While T1 is open the log shows nothing past it (a pause, not a gap)...
      expect(await log.read(null, 10)).toEqual([]);
      // ...whereas a position-only reader sees T2's rows now and checkpoints past T1's positions.
      const naive = await admin.query<{ position: string }>(`SELECT position::text FROM ${schema}.entries WHERE position > 0 ORDER BY position`);
      const naiveCheckpoint = Math.max(...naive.rows.map((r) => Number(r.position)));
      expect(naive.rows.map((r) => Number(r.position))).toEqual(p2);

      await t1.query('COMMIT');
      const naiveNext = await admin.query(`SELECT position FROM ${schema}.entries WHERE position > $1 ORDER BY position`, [naiveCheckpoint]);
      expect(naiveNext.rows).toEqual([]); // T1's rows are below its checkpoint: lost for that reader

      const all = await readAll(log);
      expect(all.map((e) => e.record)).toEqual([...early, ...late]);
    } finally {
      await Promise.all([t1.end(), t2.end(), admin.end()]);
    }
  });

  it('a reader checkpointing while writers interleave gets every entry once', async () => {
    const { url, log } = await f.fresh();
    const writers = await Promise.all([1, 2, 3, 4].map(() => f.open(url)));
    const appended = new Set<string>();
    const received: string[] = [];
    let done = false;
    const deadline = Date.now() + 60_000; // entries may stay invisible while another test's transaction is open
    const reader = (async () => {
      for (;;) {
        const finished = done;
        const cp = await log.checkpoint('r');
        const b = await log.read(cp.offset, 37);
        if (b.length > 0) {
          received.push(...b.map((e) => e.record.position));
          await log.commit('r', cp.offset, b[b.length - 1]!.offset);
        } else if (finished && received.length >= appended.size) return;
        else if (finished && Date.now() > deadline) return;
        else await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await Promise.all(writers.map(async (w, wi) => {
      for (let i = 0; i < 15; i++) {
        const recs = changes(wi * 1000 + i * 10, 1 + ((i * 7 + wi) % 9));
        await w.append(recs);
        for (const r of recs) appended.add(r.position);
      }
    }));
    done = true;
    await reader;
    expect(received.length).toBe(appended.size);
    expect(new Set(received)).toEqual(appended);
  });
});
