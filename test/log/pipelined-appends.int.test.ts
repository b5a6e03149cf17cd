import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import Database from 'better-sqlite3';
import { EarlierAppendFailedError, LogRecordError, LogStorageError } from '../../src/log/errors.js';
import type { LogRecord } from '../../src/log/change.js';
import type { EventLog } from '../../src/log/types.js';
import { changes, type LogEngine, LogFactory, readAll } from './logs.js';

/** Makes the log's engine refuse to store the source position 'poison' (a real failure inside the append). */
async function refusePoison(engine: LogEngine, url: string): Promise<void> {
  if (engine === 'sqlite') {
    const db = new Database(url.replace(/^sqlite:/, ''));
    db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON siphon_log_sources WHEN NEW.position = 'poison'
             BEGIN SELECT RAISE(ABORT, 'refuse_poison'); END`);
    db.close();
    return;
  }
  await asAdmin(url, (admin, schema) => admin.query(`ALTER TABLE ${schema}.sources ADD CONSTRAINT refuse_poison CHECK (position <> 'poison')`));
}

/** Runs `fn` on a separate PostgreSQL session of the log's database, given the log's schema (from its URL). */
async function asAdmin(url: string, fn: (admin: pg.Client, schema: string) => Promise<unknown>): Promise<void> {
  const u = new URL(url);
  const schema = u.searchParams.get('schema')!;
  u.searchParams.delete('schema');
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  try { await fn(admin, schema); } finally { await admin.end(); }
}

// The logs that declare pipelinedAppends (SQLite on a file and PostgreSQL, through their append threads): appends
// issued before the previous ones resolved are stored in call order, and one that follows a failed append still in
// flight is not stored at all — so a source position can never be stored past a batch that is missing. Failures
// are real: the engine refuses one batch's source position (CHECK constraint, trigger) inside its transaction.
describe.each(['postgres', 'sqlite'] as const)('%s log: pipelined appends', (engine) => {
  const f = new LogFactory(engine);
  afterEach(() => f.closeOpened());
  afterAll(() => f.dropAll());

  const append = (log: EventLog, batch: LogRecord[], position: string) =>
    log.append(batch, { sourcePosition: { source: 'legacy', position } });
  const settled = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }));

  it('stores appends issued back to back in call order, offsets increasing across them', async () => {
    const { log } = await f.fresh();
    expect(log.capabilities.pipelinedAppends).toBe(true);
    const batches = Array.from({ length: 6 }, (_, i) => changes(1 + i * 50, 50));
    const results = await Promise.all(batches.map((b, i) => append(log, b, `p${i}`)));
    const offsets = results.flatMap((r) => r.offsets);
    for (let i = 1; i < offsets.length; i++) expect(log.compareOffsets(offsets[i - 1]!, offsets[i]!)).toBeLessThan(0);
    const stored = await readAll(log);
    expect(stored.map((e) => e.record.position)).toEqual(batches.flat().map((r) => r.position));
    expect(stored.map((e) => e.offset)).toEqual(offsets);
    expect(await log.lastSourcePosition('legacy')).toBe('p5');
  });

  it('a failed commit fails the appends queued behind it, with nothing of them stored; later appends work', async () => {
    const { url, log } = await f.fresh();
    await refusePoison(engine, url);
    const [a, b, c] = [changes(1, 20), changes(21, 20), changes(41, 20)];
    const [xa, xb, xc] = await Promise.all([settled(append(log, a, 'a')), settled(append(log, b, 'poison')), settled(append(log, c, 'c'))]);
    expect(xa.ok).toBe(true);
    expect(!xb.ok && xb.e).toBeInstanceOf(LogStorageError);
    expect(!xb.ok && (xb.e as Error).message).toMatch(/refuse_poison/);
    expect(!xc.ok && xc.e).toBeInstanceOf(EarlierAppendFailedError);
    expect((await readAll(log)).map((e) => e.record.position)).toEqual(a.map((r) => r.position));
    expect(await log.lastSourcePosition('legacy')).toBe('a');

    // issued once everything settled: independent of the failure
    const d = changes(61, 20);
    await append(log, d, 'd');
    expect((await readAll(log)).map((e) => e.record.position)).toEqual([...a, ...d].map((r) => r.position));
    expect(await log.lastSourcePosition('legacy')).toBe('d');
  });

  it('an invalid batch keeps its place: the append behind it is not stored either', async () => {
    const { log } = await f.fresh();
    const [a, c] = [changes(1, 10), changes(21, 10)];
    const bad = [{ ...changes(11, 1)[0]!, op: 'upsert' }] as unknown as LogRecord[];
    const [xa, xb, xc] = await Promise.all([settled(append(log, a, 'a')), settled(append(log, bad, 'b')), settled(append(log, c, 'c'))]);
    expect(xa.ok).toBe(true);
    expect(!xb.ok && xb.e).toBeInstanceOf(LogRecordError);
    expect(!xc.ok && xc.e).toBeInstanceOf(EarlierAppendFailedError);
    expect((await readAll(log)).map((e) => e.record.position)).toEqual(a.map((r) => r.position));
    expect(await log.lastSourcePosition('legacy')).toBe('a');
  });

  // PostgreSQL only (identity positions); declared only there so that no run reports a skipped test
  if (engine === 'postgres') it('reports the right offsets when the batch did not get consecutive positions', async () => {
    // positions are first..last unless another session took identity values in between; INCREMENT BY 2 makes every
    // batch non-consecutive, so the listed path is the one checked here
    const { url, log } = await f.fresh();
    await asAdmin(url, (admin, schema) => admin.query(`ALTER TABLE ${schema}.entries ALTER COLUMN position SET INCREMENT BY 2`));
    const batch = changes(1, 30);
    const { offsets } = await append(log, batch, 'a');
    const stored = await readAll(log);
    expect(stored.map((e) => e.offset)).toEqual(offsets);
    expect(new Set(offsets.map((o) => Number(o.split(':')[1]) % 2)).size).toBe(1);
    expect(stored.map((e) => e.record.position)).toEqual(batch.map((r) => r.position));
  });

  it('stores the denormalized columns (source, table, kind, op) of every row as its record says', async () => {
    // the append thread gets them apart from the JSON (SQLite: a dictionary with an index per row), so mixed runs
    // of tables, kinds and sources are checked against what SQL sees
    const { url, log } = await f.fresh();
    const mixed: LogRecord[] = [
      ...changes(1, 3, 'orders'), ...changes(4, 2, 'lines'), ...changes(6, 1, 'orders'),
      { kind: 'watermark', source: 'legacy', table: null, id: 'w1', phase: 'low', position: 'w-1', at: '2026-01-01T00:00:00Z' },
      { ...changes(7, 1, 'orders')[0]!, source: 'other' },
      { kind: 'ddl', source: 'legacy', table: 'lines', statement: 'ALTER TABLE lines ADD x int', columns: null, position: 'd-1', txid: null, at: '2026-01-01T00:00:00Z' },
    ];
    await append(log, mixed, 'm');
    const expected = mixed.map((r) => [r.source, r.table ?? '', r.kind, r.kind === 'change' ? r.op : null]);
    let rows: unknown[][];
    if (engine === 'sqlite') {
      const db = new Database(url.replace(/^sqlite:/, ''), { readonly: true });
      rows = db.prepare('SELECT source, tbl, kind, op FROM siphon_log ORDER BY seq').raw().all() as unknown[][];
      db.close();
    } else {
      const u = new URL(url);
      const schema = u.searchParams.get('schema')!;
      u.searchParams.delete('schema');
      const admin = new pg.Client({ connectionString: u.toString() });
      await admin.connect();
      try {
        rows = (await admin.query({ text: `SELECT source, tbl, kind, op FROM ${schema}.entries ORDER BY transaction_id, position`, rowMode: 'array' })).rows as unknown[][];
      } finally { await admin.end(); }
    }
    expect(rows).toEqual(expected);
  });
});
