import { createApplier } from '../apply/applier.js';
import type { Applier } from '../apply/types.js';
import { openDatabase } from '../backends/open.js';
import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import { applyReader } from './apply-reader.js';
import { MigrateConfigError } from './errors.js';
import { readProbes } from './probes.js';
import type { StatusProbes } from './status.js';

/** The apply implementation `siphon migrate` runs. */
export interface MigrationWiring {
  openApplier(config: ResolvedConfig): Promise<Applier>;
}

export interface SharedHandles {
  /** An open next handle to use (left open by close()): one handle per SQLite file and process, see CaptureRunOptions.legacy. */
  readonly next?: Database;
  readonly state?: StateStore;
}

/**
 * apply over its own next connection and state store handle (closed with it): the data path and the backfill share
 * the one applier, whose lock keeps their transactions one at a time.
 */
export async function migrationWiring(shared: SharedHandles = {}): Promise<MigrationWiring> {
  return {
    async openApplier(config) {
      const next = shared.next ?? await openDatabase(config.next.db);
      let state: StateStore | null = null;
      const own = <T>(mine: T, given: T | undefined) => (given === undefined ? mine : null);
      try {
        await requireNextTables(next, config);
        state = shared.state ?? await openStateStore(config.state);
        const applier = await createApplier({ config, next, state });
        const s = state;
        return {
          apply: (items, options) => applier.apply(items, options),
          checkpoint: (c) => applier.checkpoint(c),
          appliedVersion: (t, k) => applier.appliedVersion(t, k),
          async close() { await applier.close(); await own(s, shared.state)?.close(); await own(next, shared.next)?.close(); },
        };
      } catch (e) {
        await own(state, shared.state)?.close().catch(() => undefined);
        await own(next, shared.next)?.close().catch(() => undefined);
        throw e;
      }
    },
  };
}

/** next's own tables are the next system's schema: migrate fills them, never creates them. Checked before anything runs. */
async function requireNextTables(next: Database, config: ResolvedConfig): Promise<void> {
  const present = new Set(await next.listTables());
  const wanted = [...new Set(Object.values(config.tables).flatMap((t) => Object.keys(t.schemas)))];
  const missing = wanted.filter((t) => !present.has(t));
  if (missing.length > 0) {
    throw new MigrateConfigError(`next table(s) ${missing.join(', ')} do not exist in ${next.displayUrl}: create the next system's schema first (siphon migrate fills next's tables, it does not create them)`, { missing });
  }
}

/** The status probes over next's apply tables and the state store. */
export function probesFor(next: Database, store: StateStore): StatusProbes {
  return readProbes(applyReader(next), store);
}
