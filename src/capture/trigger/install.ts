import type { Database } from '../../backends/types.js';
import { CaptureConfigError } from '../errors.js';
import { resolveTables } from '../tables.js';
import { ensureWatermarkTable, WATERMARK_TABLE } from '../watermark.js';
import { CHANGE_TABLE, type TriggerDialect } from './dialect.js';
import { mysqlTriggers } from './mysql.js';
import { postgresTriggers } from './postgres.js';
import { sqliteTriggers } from './sqlite.js';

export function triggerDialect(db: Database): TriggerDialect {
  switch (db.dialect) {
    case 'sqlite': return sqliteTriggers;
    case 'postgres': return postgresTriggers;
    case 'mysql': return mysqlTriggers;
  }
}

function checkNames(tables: readonly string[]): void {
  const bad = tables.filter((t) => t === CHANGE_TABLE);
  if (bad.length > 0) throw new CaptureConfigError(`${CHANGE_TABLE} is Siphon's own change table and cannot be captured`);
}

/**
 * Create the change table, the watermark table, and AFTER INSERT/UPDATE/DELETE triggers on each table (and on the
 * watermark table). Idempotent: re-running replaces the triggers (used to follow a schema change). Tables without a
 * usable key are refused before anything is created.
 */
export async function installTriggers(db: Database, tables: readonly string[]): Promise<void> {
  checkNames(tables);
  const dialect = triggerDialect(db);
  await ensureWatermarkTable(db);
  const { tables: resolved } = await resolveTables(db, tables);
  for (const sql of dialect.changeTableDdl(db)) await db.execute(sql);
  for (const t of resolved.values()) await applyTriggerDdl(db, dialect.installDdl(db, t));
}

/** Run trigger DDL in one transaction where the engine makes DDL transactional (a table is never without its trigger). */
export async function applyTriggerDdl(db: Database, statements: readonly string[]): Promise<void> {
  if (db.capabilities.transactionalDdl) await db.transaction(async (tx) => { for (const sql of statements) await tx.execute(sql); });
  else for (const sql of statements) await db.execute(sql);
}

/** Drop the triggers of the tables (and of the watermark table); with `dropChangeTable`, the change table too. */
export async function uninstallTriggers(db: Database, tables: readonly string[], options: { dropChangeTable?: boolean } = {}): Promise<void> {
  const dialect = triggerDialect(db);
  for (const t of [...new Set([...tables, WATERMARK_TABLE])]) {
    for (const sql of dialect.uninstallDdl(db, t)) await db.execute(sql);
  }
  if (options.dropChangeTable) {
    // every trigger still writing into the change table must go first, or legacy writes would fail
    for (const sql of await dialect.dropAllTriggers(db)) await db.execute(sql);
    for (const sql of dialect.dropChangeTableDdl(db)) await db.execute(sql);
  }
}
