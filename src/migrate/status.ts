import type { Database } from '../backends/types.js';
import { sourceLag } from '../capture/lag.js';
import type { CaptureMethod } from '../capture/types.js';
import type { ResolvedConfig } from '../config/types.js';
import type { EventLog } from '../log/types.js';
import type { StateStore } from '../state/types.js';

/** Backfill progress of one table, from its chunk cursor stored in next (with the rows of its last chunk). */
export interface BackfillTableProgress {
  readonly state: 'pending' | 'copying' | 'done';
  /** Legacy rows read by the chunks applied so far. */
  readonly rowsCopied: number;
  /** The operator pause, when set (`siphon backfill pause`). */
  readonly pauseReason: string | null;
}

/**
 * What `status` needs from apply and backfill, read without creating anything (a missing table reads as nothing yet).
 * Given by the caller so this file does not depend on how they store it.
 */
export interface StatusProbes {
  /** Apply's log checkpoint stored in next (null: nothing applied yet). */
  applyCheckpoint(consumer: string): Promise<string | null>;
  /** Legacy rows of `table` whose current image lives in next (apply's row versions, tombstones excluded). */
  migratedRows(table: string): Promise<number | null>;
  backfillProgress(table: string): Promise<BackfillTableProgress | null>;
}

export interface TableStatus {
  readonly table: string;
  readonly legacyRows: number | null;
  /** Rows of each next table the mapping writes to. */
  readonly nextRows: Readonly<Record<string, number | null>>;
  readonly migrated: number | null;
  /** Open quarantine items by reason code. */
  readonly quarantinedByReason: Readonly<Record<string, number>>;
  /** Distinct legacy keys with an open quarantine item. */
  readonly quarantined: number;
  readonly backfill: BackfillTableProgress | null;
  /** `legacy = migrated + quarantined`, checked once this table's backfill is done; null before. */
  readonly check: { readonly ok: boolean; readonly line: string } | null;
  readonly errors: readonly string[];
}

export interface MigrationStatus {
  readonly config: string;
  readonly at: string;
  readonly tables: readonly TableStatus[];
  readonly capture: {
    readonly source: string;
    readonly method: CaptureMethod;
    /** The source position stored in the log (null: capture never ran). */
    readonly position: string | null;
    /** How far legacy is ahead, in the method's unit (trigger: pending change rows, binlog/pgoutput: bytes). */
    readonly lagPositions: number | null;
    readonly lagError: string | null;
    readonly logEntries: number;
  };
  readonly apply: {
    readonly consumer: string;
    readonly checkpoint: string | null;
    /** The log's last offset: apply has caught up when its checkpoint is there. */
    readonly logLastOffset: string | null;
    readonly caughtUp: boolean;
    /** Age of the oldest log entry apply has not handled yet, in seconds (0 when caught up). */
    readonly lagSeconds: number;
  };
  /** Every table's backfill is done and every check holds. */
  readonly ok: boolean;
  /** Every table's backfill is done (the checks are meaningful). */
  readonly backfillDone: boolean;
}

export interface StatusSources {
  readonly config: ResolvedConfig;
  readonly legacy: Database;
  readonly next: Database;
  readonly store: StateStore;
  readonly log: EventLog;
  readonly probes: StatusProbes;
  readonly source: string;
  readonly method: CaptureMethod;
  readonly slot: string;
  readonly consumer: string;
  readonly now?: () => number;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function count(db: Database, table: string, errors: string[], side: string): Promise<number | null> {
  try { return await db.countRows(table); } catch (e) { errors.push(`${side} ${table}: ${message(e)}`); return null; }
}

/** Distinct legacy keys with an open quarantine item, per table (paged: memory is one page plus the key sets). */
async function openQuarantineKeys(store: StateStore): Promise<Map<string, Set<string>>> {
  const keys = new Map<string, Set<string>>();
  let afterId: number | undefined;
  for (;;) {
    const page = await store.listQuarantine({ state: 'open', limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
    for (const q of page.items) {
      let s = keys.get(q.sourceTable);
      if (!s) keys.set(q.sourceTable, (s = new Set()));
      s.add(q.key);
    }
    if (page.next === null) return keys;
    afterId = page.next;
  }
}

/** The line `siphon status` and the demo print per table. */
export function checkLine(table: string, legacy: number, migrated: number, quarantined: number): { ok: boolean; line: string } {
  const ok = legacy === migrated + quarantined;
  return { ok, line: `${table}: legacy ${legacy} ${ok ? '=' : '≠'} migrated ${migrated} + quarantined ${quarantined}` };
}

/** Gathers every figure of `siphon status`. Never writes: a figure that cannot be read is null with the reason. */
export async function collectStatus(s: StatusSources): Promise<MigrationStatus> {
  const now = s.now ?? Date.now;
  const [counts, quarantineKeys] = await Promise.all([s.store.quarantineCounts({ state: 'open' }), openQuarantineKeys(s.store)]);
  const tables: TableStatus[] = [];
  for (const [name, mapping] of Object.entries(s.config.tables)) {
    const errors: string[] = [];
    const legacyRows = await count(s.legacy, name, errors, 'legacy');
    const nextRows: Record<string, number | null> = {};
    for (const t of Object.keys(mapping.schemas)) nextRows[t] = await count(s.next, t, errors, 'next');
    let migrated: number | null = null;
    try { migrated = await s.probes.migratedRows(name); } catch (e) { errors.push(`migrated ${name}: ${message(e)}`); }
    let backfill: BackfillTableProgress | null = null;
    try { backfill = await s.probes.backfillProgress(name); } catch (e) { errors.push(`backfill ${name}: ${message(e)}`); }
    const byReason: Record<string, number> = {};
    for (const c of counts) if (c.sourceTable === name) byReason[c.reasonCode] = (byReason[c.reasonCode] ?? 0) + c.count;
    const quarantined = quarantineKeys.get(name)?.size ?? 0;
    const check = backfill?.state === 'done' && legacyRows !== null && migrated !== null ? checkLine(name, legacyRows, migrated, quarantined) : null;
    tables.push({ table: name, legacyRows, nextRows, migrated, quarantinedByReason: byReason, quarantined, backfill, check, errors });
  }

  const position = await s.log.lastSourcePosition(s.source);
  let lagPositions: number | null = null, lagError: string | null = null;
  try { lagPositions = await sourceLag(s.legacy, s.method, s.source, position, s.slot); } catch (e) { lagError = message(e); }
  const stats = await s.log.stats();
  const checkpoint = await s.probes.applyCheckpoint(s.consumer);
  const caughtUp = stats.lastOffset === null || (checkpoint !== null && s.log.compareOffsets(checkpoint, stats.lastOffset) >= 0);
  let lagSeconds = 0;
  if (!caughtUp) {
    const [oldest] = await s.log.read(checkpoint, 1);
    if (oldest) lagSeconds = Math.max(0, (now() - Date.parse(oldest.appendedAt)) / 1000);
  }
  const backfillDone = tables.every((t) => t.backfill?.state === 'done');
  return {
    config: s.config.name, at: new Date(now()).toISOString(), tables,
    capture: { source: s.source, method: s.method, position, lagPositions, lagError, logEntries: stats.entries },
    apply: { consumer: s.consumer, checkpoint, logLastOffset: stats.lastOffset, caughtUp, lagSeconds },
    backfillDone,
    ok: backfillDone && tables.every((t) => t.check?.ok === true && t.errors.length === 0),
  };
}
