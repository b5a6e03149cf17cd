/**
 * TEST FIXTURE — fills the next database from legacy through the mapping (cleaning, `to()`, schemas), so that tests
 * and the demo have a next system before the real migration path exists. It is NOT the migration: no capture, no
 * versions, no ledger, no quarantine table, no concurrency safety. The real path is capture/backfill → apply.
 * Rows that do not map are counted by reason and skipped.
 */
import type { Database, TableInfo } from '../../src/backends/types.js';
import { rowToPlain, fromPlain } from '../../src/values/plain.js';
import type { Row } from '../../src/values/value.js';
import { mapRow } from '../../src/config/map-row.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedTable } from '../../src/config/types.js';
import { billingEntities, billingTables } from './mapping/tables.js';
import { NEXT_TABLES, nextDdl } from './next/schema.js';
import type { NextDialect } from './next/schema.js';

export interface SeedNextOptions {
  readonly legacy: Database;
  readonly next: Database;
  /** The resolved table mappings (default: the billing mappings). */
  readonly tables?: Readonly<Record<string, ResolvedTable>>;
  /** Create (drop and recreate) the next schema first (default true). */
  readonly createSchema?: boolean;
  /** Rows per read batch and per upsert (default 5000). */
  readonly batchSize?: number;
}

export interface SeedNextSummary {
  /** Legacy rows read per table. */
  readonly read: Record<string, number>;
  /** Next rows written per next table. */
  readonly written: Record<string, number>;
  /** Legacy rows skipped, per table and reason. */
  readonly skipped: Record<string, Record<string, number>>;
}

/** The billing mappings, resolved (URLs are irrelevant here: the databases are passed in). */
export function resolvedBillingTables(): Readonly<Record<string, ResolvedTable>> {
  return resolveConfig({ name: 'billing', legacy: { db: 'sqlite::memory:' }, next: { db: 'sqlite::memory:' }, entities: billingEntities, tables: billingTables() }).tables;
}

export async function seedNextFromLegacy(o: SeedNextOptions): Promise<SeedNextSummary> {
  const tables = o.tables ?? resolvedBillingTables();
  const batchSize = o.batchSize ?? 5000;
  if (o.next.dialect === 'mysql') throw new Error('the next billing schema exists for PostgreSQL and SQLite');
  if (o.createSchema ?? true) {
    const ddl = nextDdl(o.next.dialect as NextDialect, { reset: true });
    await o.next.transaction(async (tx) => { for (const s of ddl) await tx.execute(s); });
  }
  const info = new Map<string, TableInfo>();
  for (const t of NEXT_TABLES) info.set(t, await o.next.describeTable(t));
  const read: Record<string, number> = {};
  const written: Record<string, number> = {};
  const skipped: Record<string, Record<string, number>> = {};
  for (const table of Object.values(tables)) {
    read[table.name] = 0;
    for await (const batch of o.legacy.streamRows({ table: table.name, key: table.key, batchSize })) {
      const out = new Map<string, Row[]>();
      for (const legacyRow of batch) {
        read[table.name]!++;
        const r = mapRow(table, rowToPlain(legacyRow));
        if (!r.ok) {
          const reasons = (skipped[table.name] ??= {});
          for (const f of r.failures) reasons[f.reason] = (reasons[f.reason] ?? 0) + 1;
          continue;
        }
        for (const [nextTable, rows] of Object.entries(r.rows)) {
          const cols = info.get(nextTable);
          if (!cols) throw new Error(`mapping of ${table.name} produced rows for ${nextTable}, which is not a next table`);
          let list = out.get(nextTable);
          if (!list) out.set(nextTable, (list = []));
          for (const plain of rows) {
            const row: Row = {};
            for (const c of cols.columns) row[c.name] = fromPlain(plain[c.name], c.type);
            list.push(row);
          }
        }
      }
      for (const [nextTable, rows] of out) {
        const key = info.get(nextTable)!.primaryKey;
        await o.next.upsert(nextTable, key, rows);
        written[nextTable] = (written[nextTable] ?? 0) + rows.length;
      }
    }
  }
  return { read, written, skipped };
}
