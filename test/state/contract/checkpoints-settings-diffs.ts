import { expect, it } from 'vitest';
import { CheckpointConflictError } from '../../../src/state/errors.js';
import { rejection, type ContractContext } from './context.js';

export function checkpointsSettingsDiffsContract(ctx: ContractContext): void {
  it('checkpoints: compare-and-set, with the actual position in the conflict', async () => {
    const s = ctx.store();
    expect(await s.getCheckpoint('apply')).toBeNull();
    await s.saveCheckpoint('apply', null, '0/100');
    const dup = await rejection(s.saveCheckpoint('apply', null, '0/200'));
    expect(dup).toBeInstanceOf(CheckpointConflictError);
    expect(dup.context).toEqual({ name: 'apply', expected: null, actual: '0/100' });
    await s.saveCheckpoint('apply', '0/100', '0/200');
    const stale = await rejection(s.saveCheckpoint('apply', '0/100', '0/300'));
    expect(stale.code).toBe('STATE_CHECKPOINT_CONFLICT');
    expect(stale.message).toContain('"0/200"');
    const none = await rejection(s.saveCheckpoint('nobody', 'x', 'y'));
    expect(none.context).toMatchObject({ actual: null });
    expect(await s.getCheckpoint('apply')).toBe('0/200');
    expect(await s.getCheckpoint('nobody')).toBeNull();
  });

  it('checkpoints: of racing writers from two connections exactly one wins each round', async () => {
    const a = ctx.store();
    const b = ctx.other();
    let pos: string | null = null;
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled([
        a.saveCheckpoint('race', pos, `a${round}`), b.saveCheckpoint('race', pos, `b${round}`),
        a.saveCheckpoint('race', pos, `c${round}`), b.saveCheckpoint('race', pos, `d${round}`)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      results.filter((r) => r.status === 'rejected').forEach((r) => expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointConflictError));
      pos = await a.getCheckpoint('race');
      expect(pos).toMatch(new RegExp(`^[abcd]${round}$`));
    }
    expect((await a.listCheckpoints()).map((c) => c.name)).toEqual(['apply', 'race']);
  });

  it('settings: JSON values, overwrite and delete', async () => {
    const s = ctx.store();
    expect(await s.getSetting('canary.step')).toBeUndefined();
    for (const value of [5, 'text', true, null, [1, 'a', { b: [] }], { nested: { deep: 1.5 } }]) {
      await s.setSetting('canary.step', value);
      expect(await s.getSetting('canary.step')).toEqual(value);
    }
    expect(await s.deleteSetting('canary.step')).toBe(true);
    expect(await s.deleteSetting('canary.step')).toBe(false);
    expect(await s.getSetting('canary.step')).toBeUndefined();
    expect((await rejection(s.setSetting('bad', { n: 1n } as never))).message).toContain('setSetting: bad');
  });

  it('diff aggregates: counts add up, the latest samples are kept, filter by endpoint and clear', async () => {
    const s = ctx.store();
    await s.recordDiffs([
      { endpoint: 'GET /api/customers/:id', fieldPath: '$.name', kind: 'value', count: 2, samples: [{ traceId: 't1' }, { traceId: 't2' }] },
      { endpoint: 'GET /api/customers/:id', fieldPath: '$.name', kind: 'value', count: 1, samples: [{ traceId: 't3' }] },
      { endpoint: 'GET /api/invoices', fieldPath: '$[*].total', kind: 'type', count: 4 },
    ], 3);
    await s.recordDiffs([{ endpoint: 'GET /api/customers/:id', fieldPath: '$.name', kind: 'value', count: 5, samples: [{ traceId: 't4' }, { traceId: 't5' }] }], 3);
    const cust = await s.listDiffs({ endpoint: 'GET /api/customers/:id' });
    expect(cust).toHaveLength(1);
    expect(cust[0]).toMatchObject({ fieldPath: '$.name', kind: 'value', count: 8, samples: [{ traceId: 't3' }, { traceId: 't4' }, { traceId: 't5' }] });
    expect(cust[0]!.lastSeen.getTime()).toBeGreaterThanOrEqual(cust[0]!.firstSeen.getTime());
    const all = await s.listDiffs();
    expect(all.map((d) => [d.endpoint, d.count])).toEqual(expect.arrayContaining([['GET /api/invoices', 4], ['GET /api/customers/:id', 8]]));
    expect(all.find((d) => d.endpoint === 'GET /api/invoices')?.samples).toEqual([]);
    expect(await s.clearDiffs({ endpoint: 'GET /api/invoices' })).toBe(1);
    expect(await s.listDiffs()).toHaveLength(1);
    expect((await rejection(s.recordDiffs([{ endpoint: 'e', fieldPath: 'f', kind: 'k', count: -1 }]))).message).toContain('recordDiffs: deltas[0].count');
  });

  it('diff aggregates: concurrent recorders on two connections lose no count', async () => {
    const a = ctx.store();
    const b = ctx.other();
    const delta = (n: number) => [{ endpoint: 'race', fieldPath: '$.x', kind: 'value', count: 1, samples: [n] }];
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).recordDiffs(delta(i), 4)));
    const [agg] = await a.listDiffs({ endpoint: 'race' });
    expect(agg!.count).toBe(20);
    expect(agg!.samples).toHaveLength(4);
  });
}
