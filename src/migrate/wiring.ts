import { createApplier } from '../apply/applier.js';
import type { Applier } from '../apply/types.js';
import { openDatabase } from '../backends/open.js';
import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import { applyReader } from './apply-reader.js';
import { readProbes } from './probes.js';
import type { StatusProbes } from './status.js';

/** The apply implementation `siphon migrate` runs. */
export interface MigrationWiring {
  openApplier(config: ResolvedConfig): Promise<Applier>;
}

/**
 * apply over its own next connection and state store handle (closed with it): the data path and the backfill share
 * the one applier, whose lock keeps their transactions one at a time.
 */
export async function migrationWiring(): Promise<MigrationWiring> {
  return {
    async openApplier(config) {
      const next = await openDatabase(config.next.db);
      let state: StateStore | null = null;
      try {
        state = await openStateStore(config.state);
        const applier = await createApplier({ config, next, state });
        const s = state;
        return {
          apply: (items, options) => applier.apply(items, options),
          checkpoint: (c) => applier.checkpoint(c),
          appliedVersion: (t, k) => applier.appliedVersion(t, k),
          async close() { await applier.close(); await s.close(); await next.close(); },
        };
      } catch (e) {
        await state?.close().catch(() => undefined);
        await next.close().catch(() => undefined);
        throw e;
      }
    },
  };
}

/** The status probes over next's apply tables and the state store. */
export function probesFor(next: Database, store: StateStore): StatusProbes {
  return readProbes(applyReader(next), store);
}
