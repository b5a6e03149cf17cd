import { m001Core } from './001-core.js';
import { m002Control } from './002-control.js';
import { m003Quarantine } from './003-quarantine.js';
import { m004Diffs } from './004-diffs.js';
import { m020Verify } from './020-verify.js';
import { m030LedgerFeed } from './030-ledger-feed.js';
import { m031Analysis } from './031-analysis.js';
import { m040Aspire } from './040-aspire.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [m001Core, m002Control, m003Quarantine, m004Diffs, m020Verify, m030LedgerFeed, m031Analysis, m040Aspire];

/** Which migrations to run on a store that has `applied`; refuses a store migrated by newer code. */
export function planMigrations(
  known: readonly Migration[], applied: readonly number[],
): { pending: Migration[]; unknown: number[] } {
  const knownIds = new Set(known.map((m) => m.id));
  const done = new Set(applied);
  return {
    pending: known.filter((m) => !done.has(m.id)).sort((a, b) => a.id - b.id),
    unknown: applied.filter((id) => !knownIds.has(id)).sort((a, b) => a - b),
  };
}
