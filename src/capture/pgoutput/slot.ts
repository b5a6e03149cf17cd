import type { Database } from '../../backends/types.js';
import { CaptureSetupError } from '../errors.js';

/** Slot and publication names: lower-case identifiers PostgreSQL accepts for both. */
export function defaultSlotName(source: string): string {
  return `siphon_${source.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

export async function slotExists(db: Database, slot: string): Promise<boolean> {
  const r = await db.query(`SELECT plugin, database FROM pg_replication_slots WHERE slot_name = ?`, [slot]);
  return r.length > 0;
}

/**
 * Create the publication (captured tables + the watermark table) and the logical slot (pgoutput) when missing.
 * The publication is altered to the current table list when it exists. Changes made before the slot exists are not
 * in the stream: the backfill covers them.
 */
export async function ensurePublicationAndSlot(db: Database, source: string, slot: string, publication: string, tables: readonly string[], createSlot: boolean): Promise<void> {
  const list = tables.map((t) => db.quoteIdent(t)).join(', ');
  const pub = await db.query(`SELECT 1 AS x FROM pg_publication WHERE pubname = ?`, [publication]);
  try {
    if (pub.length === 0) await db.execute(`CREATE PUBLICATION ${db.quoteIdent(publication)} FOR TABLE ${list}`);
    else await db.execute(`ALTER PUBLICATION ${db.quoteIdent(publication)} SET TABLE ${list}`);
  } catch (e) {
    throw new CaptureSetupError(source, `cannot create or alter publication ${publication} (${(e as Error).message}): the user must own the tables or be superuser`);
  }
  if (await slotExists(db, slot)) return;
  if (!createSlot) {
    throw new CaptureSetupError(source, `replication slot ${slot} does not exist: start once with --create-slot (createSlot: true), then backfill the tables to cover changes made before it`);
  }
  try {
    await db.query(`SELECT pg_create_logical_replication_slot(?, 'pgoutput')`, [slot]);
  } catch (e) {
    throw new CaptureSetupError(source, `cannot create replication slot ${slot} (${(e as Error).message}): needs wal_level=logical and a role with REPLICATION`);
  }
}

/** Drop the slot (releases its WAL) and the publication. */
export async function dropSlotAndPublication(db: Database, slot: string, publication: string): Promise<void> {
  if (await slotExists(db, slot)) await db.query(`SELECT pg_drop_replication_slot(?)`, [slot]);
  await db.execute(`DROP PUBLICATION IF EXISTS ${db.quoteIdent(publication)}`);
}

/** Captured tables whose REPLICA IDENTITY is not FULL: their updates and deletes carry no complete before image. */
export async function tablesWithoutFullIdentity(db: Database, tables: readonly string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const r = await db.query(
    `SELECT c.relname AS t, c.relreplident AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ` +
    `WHERE n.nspname = current_schema() AND c.relname IN (${tables.map(() => '?').join(', ')})`, [...tables]);
  return r.filter((x) => x['r'] !== 'f').map((x) => String(x['t']));
}

export async function setReplicaIdentityFull(db: Database, tables: readonly string[]): Promise<void> {
  for (const t of tables) await db.execute(`ALTER TABLE ${db.quoteIdent(t)} REPLICA IDENTITY FULL`);
}

/** WAL bytes between the server's current position and what the slot has confirmed (what capture still holds). */
export async function slotLagBytes(db: Database, slot: string): Promise<number | null> {
  const r = await db.query(`SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = ?`, [slot]);
  const v = r[0]?.['lag'];
  return typeof v === 'string' ? Number(v) : null;
}
