import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import type { StateStore } from '../state/types.js';
import type { Value } from '../values/index.js';
import { keyToText } from '../values/index.js';
import type { TablePlan } from './table-plan.js';

export interface EntityMarks {
  /** Entity keys (plain, as text) with a difference in any table of this run: never marked verified. */
  readonly bad: Set<string>;
  readonly state: StateStore;
  readonly config: ResolvedConfig;
  readonly legacy: Database;
  /** Ledger entries updated after this instant changed during the run: not marked (the next run will). */
  readonly since?: Date;
}

/**
 * Ledger `verified` for the entities whose root row matched and none of whose rows differed (the root table is
 * verified last). Guarded twice: only entries not updated since the run started (nothing changed while we compared),
 * and `ifVersion` = the version just read (a change applied between the read and the write wins: a newer change
 * clears `verified`, never the reverse).
 */
export async function markVerified(marks: EntityMarks, plan: Pick<TablePlan, 'table'>, rows: readonly { readonly legacyKey: readonly Value[]; readonly entityKey: unknown }[]): Promise<void> {
  const entity = plan.table.entity;
  if (!entity || marks.config.entities[entity]?.root !== plan.table.name) return;
  const keys = rows.filter((r) => !marks.bad.has(String(r.entityKey))).map((r) => keyToText(r.legacyKey));
  if (keys.length === 0) return;
  const entries = await marks.state.getLedgerMany(entity, keys);
  const since = marks.since?.getTime() ?? Number.POSITIVE_INFINITY;
  const changes = entries
    .filter((e) => (e.state === 'copied' || e.state === 'verified') && e.updatedAt.getTime() <= since)
    .map((e) => ({ entity, key: e.key, state: 'verified' as const, ifVersion: e.version, ifState: ['copied' as const] }));
  if (changes.length) await marks.state.setLedgerState(changes);
}
