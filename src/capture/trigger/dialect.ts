import type { Database } from '../../backends/types.js';
import type { Row, Value } from '../../values/index.js';
import { toPlain } from '../../values/index.js';
import type { CapturedTable } from '../tables.js';

/** The change table the triggers write into, in legacy. */
export const CHANGE_TABLE = 'siphon_changes';

/** One drained row of the change table. */
export interface ChangeRow {
  readonly id: bigint;
  readonly table: string;
  readonly op: 'insert' | 'update' | 'delete';
  readonly before: string | null;
  readonly after: string | null;
  readonly txid: string | null;
  readonly at: string;
}

/**
 * What differs between engines for trigger capture: the DDL of the change table and of the per-table triggers, how
 * a row image is encoded in the trigger (as the raw textual/binary forms the adapter's SELECT sees) and decoded back
 * with the adapter's own decoder, and how far the drainer may read without skipping a change whose transaction is
 * still open (`safeBound`).
 */
export interface TriggerDialect {
  changeTableDdl(db: Database): string[];
  dropChangeTableDdl(db: Database): string[];
  /** Statements (re)creating the table's triggers; replacing existing ones atomically (run in one transaction where DDL is transactional). */
  installDdl(db: Database, table: CapturedTable): string[];
  /** Images are built from the column list: triggers must be regenerated when a table changes shape. */
  readonly rebuildOnSchemaChange: boolean;
  /** Statements dropping every Siphon trigger in the database (before the change table goes). */
  dropAllTriggers(db: Database): Promise<string[]>;
  uninstallDdl(db: Database, table: string): string[];
  /** Decode a row image written by the trigger into canonical values, column by column. */
  decodeImage(image: string, table: CapturedTable): Row;
  /**
   * A (stateful) function giving the highest change id the drainer may read now: every change with an id at or below
   * it is committed (visible) or rolled back (gone) for good. Null: no bound (read all visible rows).
   */
  boundTracker(): (db: Database) => Promise<bigint | null>;
  /** A setup problem that would make draining unsafe (missing privilege), as a message; null when fine. */
  checkSetup?(db: Database): Promise<string | null>;
  /**
   * A cheap text that changes whenever one of the tables changes shape (columns, types, nullability): read after each
   * batch of changes and before it is logged, so a DDL is seen before any change written after it goes out.
   */
  shapeFingerprint(db: Database, tables: readonly string[]): Promise<string>;
  /** Read up to `limit` changes with last < id <= bound, in id order (waiting for in-flight writers if needed). */
  read(db: Database, last: bigint, bound: bigint | null, limit: number): Promise<ChangeRow[]>;
}

/** SQL string literal. */
export function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Short, engine-safe trigger/function name for a table (63 chars max on PostgreSQL, 64 on MariaDB). */
export function triggerName(table: string, suffix: string): string {
  const safe = table.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return `siphon_${safe}_${suffix}`;
}

const text = (v: Value | undefined): string | null => {
  if (v === null || v === undefined) return null;
  const p = toPlain(v);
  return Buffer.isBuffer(p) ? p.toString('utf8') : String(p);
};

/** Change-table rows as read through the adapter (canonical values) → ChangeRow. */
export function rowsToChanges(rows: readonly Row[]): ChangeRow[] {
  return rows.map((r) => ({
    id: BigInt(text(r['id']) ?? '0'),
    table: text(r['tbl']) ?? '',
    op: text(r['op']) as ChangeRow['op'],
    before: text(r['before_img']),
    after: text(r['after_img']),
    txid: text(r['txid']),
    at: text(r['at']) ?? new Date().toISOString(),
  }));
}
