import type { Database, TableInfo } from '../backends/types.js';
import type { ResolvedConfig, ResolvedTable } from '../config/types.js';
import { VerifyInconclusiveError } from './errors.js';
import { Expecter, type NextTarget } from './expected.js';
import { OwnKeyset } from './own-keyset.js';

/** What verifying one legacy table needs: its mapping, the next tables it writes, the keysets of both sides. */
export interface TablePlan {
  readonly table: ResolvedTable;
  readonly legacy: OwnKeyset;
  readonly legacyInfo: TableInfo;
  readonly expecter: Expecter;
  readonly targets: ReadonlyMap<string, NextTarget & { readonly keyset: OwnKeyset }>;
}

/** The next tables written by more than one legacy table: their extras cannot be told apart per legacy table. */
export function sharedNextTables(config: ResolvedConfig): Set<string> {
  const owners = new Map<string, number>();
  for (const t of Object.values(config.tables)) for (const n of Object.keys(t.schemas)) owners.set(n, (owners.get(n) ?? 0) + 1);
  return new Set([...owners].filter(([, n]) => n > 1).map(([n]) => n));
}

export async function planTable(config: ResolvedConfig, legacy: Database, next: Database, name: string): Promise<TablePlan> {
  const table = config.tables[name]!;
  let info;
  try { info = await legacy.describeTable(name, { fresh: true }); } catch (e) {
    throw new VerifyInconclusiveError(name, `legacy table cannot be read: ${(e as Error).message}`, e);
  }
  const targets = new Map<string, NextTarget & { keyset: OwnKeyset }>();
  for (const n of Object.keys(table.schemas)) {
    let ninfo;
    try { ninfo = await next.describeTable(n, { fresh: true }); } catch (e) {
      throw new VerifyInconclusiveError(name, `next table ${n} cannot be read: ${(e as Error).message}`, e);
    }
    const key = table.nextKeys[n] ?? ninfo.primaryKey;
    if (key.length === 0) throw new VerifyInconclusiveError(name, `next table ${n} has no primary key and tables.${name}.nextKeys names none: rows cannot be matched`);
    targets.set(n, { info: ninfo, key, keyset: new OwnKeyset(next, ninfo, key) });
  }
  return { table, legacyInfo: info, legacy: new OwnKeyset(legacy, info, table.key), expecter: new Expecter(table, targets, config.legacy.timezone), targets };
}
