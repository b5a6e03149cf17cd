import { describe, expect, it } from 'vitest';
import type { Applier, ApplyBatchOptions, ApplyItem } from '../../src/apply/types.js';
import { DataPath } from '../../src/backfill/data-path.js';
import { SiphonError } from '../../src/errors.js';
import type { EventLog, LogEntry } from '../../src/log/types.js';
import { Legacy, ModelNext, row } from './model.js';

/** The data path's own decisions: retry what a retry can cure, fail the stream on anything else, lose only a chunk. */
function applierWith(next: ModelNext, fail: (items: readonly ApplyItem[], o?: ApplyBatchOptions) => Error | null): Applier {
  return {
    apply: async (items, o) => { const e = fail(items, o); if (e) throw e; return next.apply(items, o); },
    checkpoint: async (c) => next.checkpoints.get(c) ?? null,
    appliedVersion: async () => null,
    close: async () => undefined,
  };
}

const entries = (legacy: Legacy): LogEntry[] => legacy.log;

describe('DataPath', () => {
  it('retries an apply that failed with a retryable error, and moves apply\'s checkpoint once', async () => {
    const legacy = new Legacy();
    legacy.write(1, 10);
    legacy.write(2, 20);
    const next = new ModelNext(() => undefined);
    let failures = 1;
    const path = new DataPath({ log: {} as EventLog, applier: applierWith(next, () => (failures-- > 0 ? new SiphonError('X', 'connection lost', {}, { retryable: true }) : null)) });
    await path.open();
    await path.process(entries(legacy));
    expect(next.checkpoints.get('apply')).toBe('2');
    expect([...next.rows.values()].map((r) => r.v)).toEqual([10, 20]);
  });

  it('fails on an error a retry cannot cure, without moving the checkpoint', async () => {
    const legacy = new Legacy();
    legacy.write(1, 10);
    const next = new ModelNext(() => undefined);
    const path = new DataPath({ log: {} as EventLog, applier: applierWith(next, () => new SiphonError('X', 'checkpoint conflict')) });
    await path.open();
    await expect(path.process(entries(legacy))).rejects.toThrow(/checkpoint conflict/);
    expect(next.checkpoints.get('apply')).toBeUndefined();
    expect(path.appliedThrough).toBeNull();
  });

  it('loses only the chunk whose apply fails; the stream goes on', async () => {
    const legacy = new Legacy();
    const next = new ModelNext(() => undefined);
    const path = new DataPath({ log: {} as EventLog, applier: applierWith(next, (items) => (items.some((i) => i.origin === 'backfill') ? new SiphonError('X', 'cursor moved elsewhere') : null)) });
    await path.open();
    const outcome = path.expectChunk({ id: 'c', source: 'legacy', table: 't', key: ['id'], origin: 'backfill' });
    legacy.watermark({ id: 'c', phase: 'low', tbl: 't', seq: null });
    path.register('c', [row(5, 50)], null);
    legacy.watermark({ id: 'c', phase: 'high', tbl: 't', seq: null });
    legacy.write(6, 60);
    await path.process(entries(legacy));
    expect(await outcome).toMatchObject({ kind: 'lost', reason: /cursor moved elsewhere/ });
    expect(next.checkpoints.get('apply')).toBe('3');
    expect([...next.rows.keys()]).toEqual([6]);
  });

  it('settles chunks still waiting as lost when stopped', async () => {
    const next = new ModelNext(() => undefined);
    const path = new DataPath({ log: {} as EventLog, applier: applierWith(next, () => null) });
    await path.open();
    const outcome = path.expectChunk({ id: 'c', source: 'legacy', table: 't', key: ['id'], origin: 'backfill' });
    await path.stop();
    expect(await outcome).toMatchObject({ kind: 'lost', reason: /stopped/ });
    expect(await path.expectChunk({ id: 'd', source: 'legacy', table: 't', key: ['id'], origin: 'backfill' })).toMatchObject({ kind: 'lost' });
  });
});
