import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/backends/types.js';
import type { ChunkOutcome, DataPath } from '../../src/backfill/data-path.js';
import { ChunkRunner, NOT_CLAIMED, type JobVerdict } from '../../src/aspire/chunk-runner.js';
import type { EntityPlan } from '../../src/aspire/plan.js';
import { ledgerKey } from '../../src/aspire/plan.js';
import type { Row } from '../../src/values/index.js';
import { int } from '../../src/values/index.js';

/**
 * A chunk submitted before its callers' claims answered (the claim's round trip overlaps the LOW mark and the SELECTs):
 * only the entities claimed by this process reach the merger; the others are answered NOT_CLAIMED, and a chunk with no
 * claimed entity writes no HIGH mark. Fakes for legacy and the data path: what is checked is what the runner hands over.
 */
const plan: EntityPlan = { entity: 'customer', root: 'C', rootColumn: 'id', rootType: { kind: 'int' } as unknown as EntityPlan['rootType'],
  tables: [{ table: 'C', key: ['id'], column: 'id' }, { table: 'I', key: ['iid'], column: 'cid' }] };
const legacyRows: Record<string, Row[]> = {
  C: [{ id: int(1) }, { id: int(2) }],
  I: [{ iid: int(10), cid: int(1) }, { iid: int(11), cid: int(1) }, { iid: int(20), cid: int(2) }],
};

function fakes() {
  const log: string[] = [];
  const registered: Map<string, Row[]>[] = [];
  const waiting = new Map<string, (o: ChunkOutcome) => void>();
  const legacy = {
    upsert: async (_t: string, _k: string[], rows: Row[]) => { log.push(`wm ${String(rows[0]!['phase'])}`); },
    readByKeys: async (table: string, cols: string[], keys: Row[string][][]) => {
      const wanted = new Set(keys.map((k) => JSON.stringify(k[0])));
      return legacyRows[table]!.filter((r) => wanted.has(JSON.stringify(r[cols[0]!])));
    },
  } as unknown as Database;
  const path = {
    status: () => ({ state: 'running', error: null }),
    expectGroup: (spec: { id: string }) => new Promise<ChunkOutcome>((r) => waiting.set(spec.id, r)),
    registerGroup: (id: string, rows: Map<string, Row[]>) => {
      registered.push(rows);
      // the HIGH mark "passes" at once: every registered row applied
      queueMicrotask(() => waiting.get(id)?.({ kind: 'applied', read: 0, applied: 0, evicted: 0, position: 'mysql-bin.000001:000000000004:000001',
        result: { written: 0, deleted: 0, stale: 0, quarantined: 0, waiting: 0, byTable: {}, items: [...rows.values()].flat().map(() => ({ outcome: 'applied' })) } as never,
        items: [...rows].flatMap(([table, rs]) => rs.map((after) => ({ change: { table, after } }))) as never }));
    },
    abandon: (id: string, reason: string) => { log.push(`abandon ${reason}`); waiting.get(id)?.({ kind: 'lost', reason }); },
  } as unknown as DataPath;
  const runner = new ChunkRunner({ legacy, source: 'legacy', path, quarantine: { listQuarantine: async () => ({ items: [], next: null }) } as never });
  const job = (k: number, claimed: boolean) => new Promise<JobVerdict>((resolve) =>
    runner.submit({ plan, value: int(k), key: ledgerKey(int(k)), resolve, claimed: Promise.resolve(claimed) }));
  return { log, registered, job };
}

describe('ChunkRunner with claims not answered yet', () => {
  it('registers and applies only the claimed entities; the others are answered NOT_CLAIMED', async () => {
    const f = fakes();
    const [a, b] = await Promise.all([f.job(1, true), f.job(2, false)]);
    expect(a).toMatchObject({ kind: 'migrated', rows: 3 });
    expect(b).toEqual(NOT_CLAIMED);
    expect(f.registered).toHaveLength(1);
    expect(f.registered[0]!.get('C')).toEqual([{ id: int(1) }]);
    expect(f.registered[0]!.get('I')!.map((r) => r['iid'])).toEqual([int(10), int(11)]);
    expect(f.log).toEqual(['wm low', 'wm high']);
  });

  it('a chunk none of whose entities was claimed is abandoned before its HIGH mark', async () => {
    const f = fakes();
    expect(await f.job(1, false)).toEqual(NOT_CLAIMED);
    expect(f.registered).toHaveLength(0);
    expect(f.log).toEqual(['wm low', 'abandon no entity of the chunk was claimed']);
  });
});
