import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CheckpointConflictError, LogRecordError } from '../../src/log/errors.js';
import type { LogRecord } from '../../src/log/change.js';
import type { EventLog, LogEntry } from '../../src/log/types.js';
import { bytes, date, dec, float, instant, int, invalid, json, localTimestamp, time } from '../../src/values/index.js';
import { change, changes, LOG_ENGINES, LogFactory, readAll, readVisible } from './logs.js';

// One contract, every adapter, real engines. Each test opens its own log (file / schema / stream).
describe.each(LOG_ENGINES)('event log contract on %s', (engine) => {
  const f = new LogFactory(engine);
  afterEach(() => f.closeOpened());
  afterAll(() => f.dropAll());

  it('keeps append order, with strictly increasing offsets across batches', async () => {
    const { log } = await f.fresh();
    const batches = [changes(1, 5), changes(6, 1), changes(7, 30)];
    const offsets: string[] = [];
    for (const b of batches) offsets.push(...(await log.append(b)).offsets);
    expect(offsets).toHaveLength(36);
    for (let i = 1; i < offsets.length; i++) expect(log.compareOffsets(offsets[i - 1]!, offsets[i]!)).toBeLessThan(0);
    const read = await readAll(log, null, 7);
    expect(read.map((e) => e.offset)).toEqual(offsets);
    expect(read.map((e) => e.record)).toEqual(batches.flat());
    const s = await log.stats();
    expect(s.entries).toBe(36);
    expect(s.firstOffset).toBe(offsets[0]);
    expect(s.lastOffset).toBe(offsets[35]);
  });

  it('returns the offset of every entry of large batches (multi-row inserts and COPY chunks of any remainder)', async () => {
    const { log } = await f.fresh();
    const batches = [changes(1, 300), changes(301, 1), changes(302, 129), changes(431, 128)];
    const offsets: string[] = [];
    for (const b of batches) {
      const got = (await log.append(b)).offsets;
      expect(got).toHaveLength(b.length);
      offsets.push(...got);
    }
    const read = await readAll(log, null, 500);
    expect(read.map((e) => e.offset)).toEqual(offsets);
    expect(read.map((e) => e.record)).toEqual(batches.flat());
  });

  it('round-trips every canonical value kind and the non-row records losslessly', async () => {
    const { log } = await f.fresh();
    const all = {
      n: null, b: true, s: 'naïve \t "quoted" \\ line\nbreak \u0000 nul 😀', i: int('-9223372036854775808'), d: dec('12345678901234567890.0001'),
      f1: float(NaN), f2: float(Infinity), f3: float(-Infinity), f4: float(0.1), dt: date('2024-02-29'), tm: time('23:59:59.5'),
      ts: instant('2024-03-31T01:30:00+02:00'), lts: localTimestamp('1999-12-31 23:59:59.123456'), by: bytes(Buffer.from([0, 255, 10])),
      js: json('{"b":1,"a":[1,2]}'), bad: invalid('zero-date', '0000-00-00'),
    };
    const records: LogRecord[] = [
      { kind: 'change', source: 'legacy', table: 'public.all types', key: { i: all.i, s: all.s }, op: 'update', before: all, after: { ...all, b: false }, position: '0/16B3748', txid: '771', at: '2026-01-01T00:00:00.000000Z' },
      { kind: 'ddl', source: 'legacy', table: 'orders', statement: 'ALTER TABLE orders ADD note text', columns: [{ name: 'note', type: 'text', nullable: true }], position: 'p2', txid: null, at: '2026-01-01T00:00:01Z' },
      { kind: 'watermark', source: 'legacy', table: 'orders', id: 'chunk-7', phase: 'low', position: 'p3', at: '2026-01-01T00:00:02Z' },
      { kind: 'watermark', source: 'legacy', table: null, id: 'chunk-7', phase: 'high', position: 'p4', at: '2026-01-01T00:00:03Z' },
    ];
    await log.append(records);
    const back = (await readAll(log)).map((e) => e.record);
    expect(back).toEqual(records);
    const f1 = (back[0] as Extract<LogRecord, { kind: 'change' }>).after!.f1 as { v: number };
    expect(Number.isNaN(f1.v)).toBe(true);
  });

  it('rejects an invalid record with a message naming the index and the field, appending nothing', async () => {
    const { log } = await f.fresh();
    const bad = { ...change(2), op: 'upsert' } as unknown as LogRecord;
    await expect(log.append([change(1), bad])).rejects.toThrow(/index 1.*op: expected insert, update, delete or read/);
    const noAfter = { ...change(3), after: null } as LogRecord;
    await expect(log.append([noAfter])).rejects.toBeInstanceOf(LogRecordError);
    expect(await log.read(null, 10)).toEqual([]);
  });

  it('stores the source position with the append and gives it back after a restart', async () => {
    const { url, log } = await f.fresh();
    expect(await log.lastSourcePosition('legacy')).toBeNull();
    await log.append(changes(1, 3), { sourcePosition: { source: 'legacy', position: 'binlog.000003:4711' } });
    await log.append(changes(4, 2), { sourcePosition: { source: 'legacy', position: 'binlog.000003:9000' } });
    await log.append(changes(6, 1), { sourcePosition: { source: 'other.db', position: '0/ABC' } });
    await log.close();
    const again = await f.open(url);
    expect(await again.lastSourcePosition('legacy')).toBe('binlog.000003:9000');
    expect(await again.lastSourcePosition('other.db')).toBe('0/ABC');
  });

  it('resumes a consumer from its checkpoint after a restart', async () => {
    const { url, log } = await f.fresh();
    await log.append(changes(1, 20));
    const first = await readVisible(log, null, 8);
    await log.commit('apply', null, first[7]!.offset);
    await log.close();
    const again = await f.open(url);
    const cp = await again.checkpoint('apply');
    expect(cp.offset).toBe(first[7]!.offset);
    const rest = await readAll(again, cp.offset, 5);
    expect([...first, ...rest].map((e) => (e.record as { key: unknown }).key)).toEqual(changes(1, 20).map((c) => c.key));
  });

  it('commits checkpoints by compare-and-set', async () => {
    const { log } = await f.fresh();
    const { offsets } = await log.append(changes(1, 5));
    await expect(log.commit('c', offsets[0]!, offsets[1]!)).rejects.toBeInstanceOf(CheckpointConflictError);
    await log.commit('c', null, offsets[1]!);
    await log.commit('c', offsets[1]!, offsets[3]!);
    // a second instance still believing the checkpoint is at offsets[1]
    const err = await log.commit('c', offsets[1]!, offsets[2]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointConflictError);
    expect((err as CheckpointConflictError).actual).toBe(offsets[3]);
    expect((await log.checkpoint('c')).offset).toBe(offsets[3]);
    await expect(log.commit('c', null, offsets[4]!)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await log.consumers()).map((c) => [c.name, c.offset])).toEqual([['c', offsets[3]]]);
  });

  it('delivers to two consumers at different speeds, each everything once in order', async () => {
    const { log } = await f.fresh();
    const expected: LogRecord[] = [];
    const got: Record<string, LogRecord[]> = { fast: [], slow: [] };
    const step = async (name: string, n: number) => {
      const cp = await log.checkpoint(name);
      const b = await log.read(cp.offset, n);
      if (b.length === 0) return;
      got[name]!.push(...b.map((e) => e.record));
      await log.commit(name, cp.offset, b[b.length - 1]!.offset);
    };
    for (let round = 0; round < 12; round++) {
      const batch = changes(round * 10, 10);
      expected.push(...batch);
      await log.append(batch);
      await step('fast', 25);
      await step('slow', 4);
    }
    for (const deadline = Date.now() + 30_000; got.fast!.length < expected.length && Date.now() < deadline;) await step('fast', 25);
    for (const deadline = Date.now() + 30_000; got.slow!.length < expected.length && Date.now() < deadline;) await step('slow', 4);
    expect(got.fast).toEqual(expected);
    expect(got.slow).toEqual(expected);
  });

  it('loses nothing and repeats nothing across consumer crashes (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ append: fc.integer({ min: 0, max: 12 }), take: fc.integer({ min: 1, max: 9 }), crash: fc.boolean(), restart: fc.boolean() }), { minLength: 1, maxLength: 10 }),
      async (steps) => {
        const { url, log: first } = await f.fresh();
        let log: EventLog = first;
        const appended: LogRecord[] = [];
        let effects: LogRecord[] = []; // what the consumer durably did, committed with its checkpoint
        let id = 0;
        const consume = async (take: number, crash: boolean) => {
          const cp = await log.checkpoint('p');
          const batch = await log.read(cp.offset, take);
          if (batch.length === 0) return;
          const pending = batch.map((e) => e.record);
          if (crash) return; // died after handling, before commit: the effects roll back with the commit
          await log.commit('p', cp.offset, batch[batch.length - 1]!.offset);
          effects = [...effects, ...pending];
        };
        for (const s of steps) {
          const b = changes(id, s.append); id += s.append;
          if (b.length) { await log.append(b); appended.push(...b); }
          await consume(s.take, s.crash);
          if (s.restart) log = await f.open(url);
        }
        // drain (on PostgreSQL entries may become visible a little later: a pause, never a gap)
        for (const deadline = Date.now() + 30_000; effects.length < appended.length && Date.now() < deadline;) {
          const before = effects.length;
          await consume(10, false);
          if (effects.length === before) await new Promise((r) => setTimeout(r, 10));
        }
        expect(effects).toEqual(appended);
      }), { numRuns: engine === 'sqlite' ? 25 : 10 });
  });

  it('retention never deletes what a consumer has not passed', async () => {
    const { log } = await f.fresh();
    const { offsets } = await log.append(changes(1, 20));
    expect(await log.applyRetention({ maxAgeMs: 0 })).toEqual({ deleted: 0, upTo: null }); // no consumer: keep all
    await log.registerConsumer('a');
    await log.commit('a', null, offsets[14]!);
    await log.registerConsumer('b'); // registered, nothing acknowledged yet
    expect((await log.applyRetention({ maxAgeMs: 0 })).deleted).toBe(0);
    await log.commit('b', null, offsets[5]!);
    // everything is younger than an hour: nothing goes
    expect((await log.applyRetention({ maxAgeMs: 3_600_000 })).deleted).toBe(0);
    const r = await log.applyRetention({ maxAgeMs: 0, now: new Date(Date.now() + 60_000) });
    expect(r).toEqual({ deleted: 6, upTo: offsets[5] });
    expect((await readAll(log, offsets[5]!)).map((e) => e.offset)).toEqual(offsets.slice(6));
    expect((await readAll(log, offsets[14]!)).map((e) => e.offset)).toEqual(offsets.slice(15));
    expect((await readAll(log)).map((e) => e.offset)).toEqual(offsets.slice(6));
    await log.dropConsumer('b');
    expect((await log.applyRetention({ maxAgeMs: 0, now: new Date(Date.now() + 60_000) })).upTo).toBe(offsets[14]);
    expect((await log.stats()).entries).toBe(5);
    // offsets are never reused after retention
    const more = await log.append(changes(100, 1));
    expect(log.compareOffsets(more.offsets[0]!, offsets[19]!)).toBeGreaterThan(0);
  });

  it('tail delivers entries appended after it started, then stops on abort', async () => {
    const { url, log } = await f.fresh();
    const pre = await log.append(changes(1, 3));
    const writer = await f.open(url); // another instance, as another process would
    const ac = new AbortController();
    const guard = setTimeout(() => ac.abort(), 30_000); // fail, not hang, if nothing comes
    const seen: LogEntry[] = [];
    const appendLater = (async () => {
      await new Promise((r) => setTimeout(r, 50));
      await writer.append(changes(10, 2));
      await new Promise((r) => setTimeout(r, 50));
      await writer.append(changes(20, 1));
    })();
    for await (const batch of log.tail(pre.offsets[2]!, ac.signal)) {
      seen.push(...batch);
      if (seen.length >= 3) ac.abort();
    }
    clearTimeout(guard);
    await appendLater;
    expect(seen.map((e) => (e.record as { key: unknown }).key)).toEqual([...changes(10, 2), ...changes(20, 1)].map((c) => c.key));
  });

  it('parses offsets from text and rejects garbage with a clear error', async () => {
    const { log } = await f.fresh();
    const { offsets } = await log.append(changes(1, 2));
    expect(log.parseOffset(` ${offsets[1]} `)).toBe(offsets[1]);
    expect(() => log.parseOffset('abc')).toThrow(/"abc" is not an offset of the .* log: expected/);
    const before = log.offsetBefore(offsets[1]!);
    expect((await readVisible(log, before, 1))[0]!.offset).toBe(offsets[1]);
  });
});
