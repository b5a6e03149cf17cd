import type { Database } from '../backends/types.js';
import type { WatermarkPhase } from '../log/change.js';
import type { Row } from '../values/index.js';
import { int } from '../values/index.js';
import { CaptureConfigError } from './errors.js';

/**
 * DBLog watermarks (Netflix 2020): the backfill writes a low and a high watermark into this one-row-per-id table in
 * legacy around each chunk SELECT. Capture sees those writes in the same stream as the row changes and emits them as
 * watermark records, so the backfill knows exactly which changes happened between its low and high marks.
 * `seq` changes on every write: an UPDATE that sets identical values is not logged by MariaDB's binary log.
 */
export const WATERMARK_TABLE = 'siphon_watermarks';

export function watermarkTableDdl(db: Database): string {
  const q = (n: string) => db.quoteIdent(n);
  return `CREATE TABLE IF NOT EXISTS ${q(WATERMARK_TABLE)} (${q('id')} VARCHAR(191) NOT NULL PRIMARY KEY, ` +
    `${q('phase')} VARCHAR(8) NOT NULL, ${q('tbl')} VARCHAR(191) NULL, ${q('seq')} BIGINT NOT NULL)`;
}

export async function ensureWatermarkTable(db: Database): Promise<void> {
  await db.execute(watermarkTableDdl(db));
}

/** `capture uninstall`: the table goes with the rest of what install created (unless the user keeps it). */
export async function dropWatermarkTable(db: Database): Promise<void> {
  await db.execute(`DROP TABLE IF EXISTS ${db.quoteIdent(WATERMARK_TABLE)}`);
}

let counter = 0;

/** Write a watermark (insert or overwrite the row of `id`). The capture stream turns it into a watermark record. */
export async function writeWatermark(db: Database, id: string, phase: WatermarkPhase, table: string | null = null): Promise<void> {
  if (!id || id.length > 191) throw new CaptureConfigError(`watermark id must be 1 to 191 characters, got "${id}"`, { id });
  counter = (counter + 1) % 1000;
  const row: Row = { id, phase, tbl: table, seq: int(Date.now() * 1000 + counter) };
  await db.upsert(WATERMARK_TABLE, ['id'], [row]);
}

/** Watermark ids capture writes itself to keep a replication slot moving; never emitted as records. */
export const HEARTBEAT_PREFIX = '__siphon_heartbeat:';

/** A watermark row image as captured → its fields; null when the image is not a valid watermark. */
export function watermarkOf(row: Row | null): { id: string; phase: WatermarkPhase; table: string | null } | null {
  if (!row) return null;
  const id = row['id'], phase = row['phase'], tbl = row['tbl'];
  if (typeof id !== 'string' || (phase !== 'low' && phase !== 'high')) return null;
  return { id, phase, table: typeof tbl === 'string' ? tbl : null };
}
