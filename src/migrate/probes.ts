import type { Database } from '../backends/types.js';
import type { StateStore } from '../state/types.js';
import { getOperatorPause } from './operator-pause.js';
import type { BackfillTableProgress, StatusProbes } from './status.js';

/**
 * The figures apply and backfill keep, read without creating anything. (Wired to apply's and backfill's own readers
 * once those land; until then nothing is known.)
 */
export function readProbes(_next: Database, store: StateStore): StatusProbes {
  return {
    applyCheckpoint: async () => null,
    migratedRows: async () => null,
    async backfillProgress(): Promise<BackfillTableProgress | null> {
      await getOperatorPause(store);
      return null;
    },
  };
}
