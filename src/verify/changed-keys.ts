import type { ResolvedConfig } from '../config/types.js';
import type { EventLog, LogOffset } from '../log/types.js';
import type { StateStore } from '../state/types.js';
import type { Value } from '../values/index.js';
import { keyToText } from '../values/index.js';
import type { Suspect } from './recheck.js';
import type { TablePlan } from './table-plan.js';

/** The state store checkpoint of continuous mode: the log offset up to which changed keys were re-verified. */
export const CONTINUOUS_CHECKPOINT = 'verify:continuous';

export interface ChangedKeys {
  /** Per legacy table: suspects for every key changed since the checkpoint (deleted keys with the next keys they gave). */
  readonly byTable: Map<string, Map<string, Suspect>>;
  readonly from: LogOffset | null;
  readonly to: LogOffset | null;
}

const tableOf = (config: ResolvedConfig, captured: string): string | undefined =>
  config.tables[captured] ? captured : Object.keys(config.tables).find((t) => captured.endsWith(`.${t}`));

/**
 * The legacy keys changed since continuous mode's last pass, read from the event log (bounded by `max` keys per call:
 * the rest is left for the next pass). A deleted row's `before` image tells which next rows it gave, so their
 * absence is checked too.
 */
export async function readChangedKeys(
  log: EventLog, state: StateStore, config: ResolvedConfig, plans: (table: string) => Promise<TablePlan>, max = 50_000,
): Promise<ChangedKeys> {
  const from = await state.getCheckpoint(CONTINUOUS_CHECKPOINT);
  const byTable = new Map<string, Map<string, Suspect>>();
  let at: LogOffset | null = from;
  let n = 0;
  while (n < max) {
    const entries = await log.read(at, 1000);
    if (entries.length === 0) break;
    for (const e of entries) {
      at = e.offset;
      const r = e.record;
      if (r.kind !== 'change') continue;
      const table = tableOf(config, r.table);
      if (!table) continue;
      const plan = await plans(table);
      const legacyKey: Value[] = plan.table.key.map((k) => r.key[k] ?? null);
      let m = byTable.get(table); if (!m) byTable.set(table, (m = new Map()));
      const id = keyToText(legacyKey);
      let s = m.get(id);
      if (!s) { s = { legacyKey, seen: null, involved: new Map(), guessed: false }; m.set(id, s); n++; }
      if (r.before) {
        const exp = plan.expecter.expect(r.before);
        if (exp.ok) for (const x of exp.rows) { let l = s.involved.get(x.nextTable); if (!l) s.involved.set(x.nextTable, (l = [])); l.push(x.key); }
      }
    }
  }
  return { byTable, from, to: at };
}
