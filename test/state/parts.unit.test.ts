import { describe, expect, expectTypeOf, it } from 'vitest';
import { openStateStore } from '../../src/state/open.js';
import type {
  AuditStore, CheckpointStore, DiffStore, LedgerStore, QuarantineStore, RouteStore, SettingsStore, StateStore, StoreInfo,
} from '../../src/state/types.js';

// Each part's method names, written out: a method moved between parts or dropped fails here (and in tsc, below).
const PARTS = {
  info: ['schemaVersion', 'close'] satisfies (keyof StoreInfo)[],
  ledger: ['upsertLedger', 'setLedgerState', 'getLedger', 'getLedgerMany', 'listLedger', 'ledgerCounts', 'ledgerChanges'] satisfies (keyof LedgerStore)[],
  routes: ['getRoutes', 'routeTableVersion', 'setRoutes', 'updateRoute', 'watchRoutes'] satisfies (keyof RouteStore)[],
  audit: ['appendAudit', 'appendAudits', 'listAudit'] satisfies (keyof AuditStore)[],
  quarantine: ['addQuarantine', 'getQuarantine', 'listQuarantine', 'markQuarantine', 'quarantineCounts'] satisfies (keyof QuarantineStore)[],
  checkpoints: ['getCheckpoint', 'saveCheckpoint', 'listCheckpoints'] satisfies (keyof CheckpointStore)[],
  settings: ['getSetting', 'setSetting', 'deleteSetting'] satisfies (keyof SettingsStore)[],
  diffs: ['recordDiffs', 'listDiffs', 'clearDiffs'] satisfies (keyof DiffStore)[],
};

type Methods<T> = { [K in keyof T]: T[K] extends (...a: never[]) => unknown ? K : never }[keyof T];

describe('StateStore is the union of its parts', () => {
  it('the parts together are exactly the whole store (no method lost, none duplicated)', () => {
    expectTypeOf<Methods<StateStore>>().toEqualTypeOf<
      Methods<StoreInfo> | keyof LedgerStore | keyof RouteStore | keyof AuditStore | keyof QuarantineStore
      | keyof CheckpointStore | keyof SettingsStore | keyof DiffStore>();
    const all = Object.values(PARTS).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(31);
  });

  it('an opened store has every method of every part', async () => {
    const s = await openStateStore('sqlite::memory:');
    try {
      for (const [part, names] of Object.entries(PARTS)) {
        for (const n of names) expect(typeof (s as unknown as Record<string, unknown>)[n], `${part}.${n}`).toBe('function');
      }
      // a narrowed caller takes the store as it is
      const narrow = (x: LedgerStore & QuarantineStore & CheckpointStore) => x.getCheckpoint('none');
      expect(await narrow(s)).toBeNull();
    } finally { await s.close(); }
  });
});
