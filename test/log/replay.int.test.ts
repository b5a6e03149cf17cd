import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { consume, replay, ReplayRangeError, type Consumer } from '../../src/log/replay.js';
import { CheckpointConflictError } from '../../src/log/errors.js';
import type { LogEntry } from '../../src/log/types.js';
import { changes, LOG_ENGINES, LogFactory, readAll } from './logs.js';

function recorder(name: string, durable = true): Consumer & { seen: string[] } {
  const seen: string[] = [];
  return { name, durable, seen, handle: (b: readonly LogEntry[]) => { seen.push(...b.map((e) => e.offset)); } };
}

describe.each(LOG_ENGINES)('replay on %s', (engine) => {
  const f = new LogFactory(engine);
  afterEach(() => f.closeOpened());
  afterAll(() => f.dropAll());

  it('rewinds a durable consumer to --from, feeds the range, and leaves its checkpoint at --to', async () => {
    const { log } = await f.fresh();
    const { offsets } = await log.append(changes(1, 12));
    await log.commit('proj', null, offsets[9]!); // the projection had handled up to the 10th entry
    const c = recorder('proj');
    const r = await replay(log, c, offsets[2]!, offsets[6]!, { batchSize: 2 });
    expect(c.seen).toEqual(offsets.slice(2, 7));
    expect(r).toEqual({ delivered: 5, first: offsets[2], last: offsets[6], checkpoint: offsets[6] });
    expect((await log.checkpoint('proj')).offset).toBe(offsets[6]);
    // its next normal run continues right after the replayed range: nothing skipped
    const next = await readAll(log, (await log.checkpoint('proj')).offset);
    expect(next.map((e) => e.offset)).toEqual(offsets.slice(7));
  });

  it('feeds a non-durable consumer without registering a checkpoint, to the end when --to is omitted', async () => {
    const { log } = await f.fresh();
    const { offsets } = await log.append(changes(1, 6));
    const c = recorder('print', false);
    const r = await replay(log, c, offsets[3]!, null);
    expect(c.seen).toEqual(offsets.slice(3));
    expect(r.checkpoint).toBeNull();
    expect(await log.consumers()).toEqual([]);
  });

  it('refuses a reversed range and a range retention already deleted', async () => {
    const { log } = await f.fresh();
    const { offsets } = await log.append(changes(1, 6));
    await expect(replay(log, recorder('x'), offsets[4]!, offsets[1]!)).rejects.toBeInstanceOf(ReplayRangeError);
    await log.commit('keeper', null, offsets[2]!);
    await log.applyRetention({ maxAgeMs: 0, now: new Date(Date.now() + 60_000) });
    const err = await replay(log, recorder('keeper'), offsets[0]!, offsets[4]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayRangeError);
    expect((err as Error).message).toMatch(/retention already deleted/);
    expect((await log.checkpoint('keeper')).offset).toBe(offsets[2]); // restored
  });

  it('consume() resumes from the checkpoint and a second instance of the same consumer conflicts', async () => {
    const { url, log } = await f.fresh();
    const { offsets } = await log.append(changes(1, 5));
    await log.commit('apply', null, offsets[1]!);
    const c = recorder('apply');
    const ac = new AbortController();
    const guard = setTimeout(() => ac.abort(), 30_000);
    const run = consume(log, { ...c, handle: (b) => { c.handle(b); if (c.seen.length >= 3) ac.abort(); } }, ac.signal);
    expect(await run).toBe(3);
    clearTimeout(guard);
    expect(c.seen).toEqual(offsets.slice(2));
    // another instance that read the checkpoint before this one moved it
    const other = await f.open(url);
    await expect(other.commit('apply', offsets[1]!, offsets[2]!)).rejects.toBeInstanceOf(CheckpointConflictError);
  });
});
