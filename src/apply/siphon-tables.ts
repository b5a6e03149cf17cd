/**
 * Siphon's own tables inside the next database, written in the same transaction as the rows (DESIGN.md "One apply
 * path"): a `siphon` schema on PostgreSQL, `siphon_`-prefixed tables on SQLite, so next's own tables stay clean.
 *
 *   row_versions  one line per legacy row ever applied (source_table, legacy_key): its version (tombstones for
 *                 deletes, `deleted` = 1), the next rows it produced (lineage, JSON), its entity and entity key (the
 *                 ledger is rebuilt from these);
 *   lineage       next row (next_table, next_key) → the legacy row that owns it: a second claimant is a
 *                 `next-key-conflict`, never an overwrite;
 *   checkpoints   consumer → log offset, moved with the rows (exactly-once effect);
 *   parked        changes waiting for a parent row (`missing-parent`), re-driven when the parent arrives.
 *
 * Bulk statements take ONE JSON parameter (an array of objects) and expand it in SQL (`json_to_recordset`,
 * `json_each`): the statement text does not grow with the batch, so the engine parses and plans it once.
 */
import type { Database, Dialect } from '../backends/types.js';
import { ApplyConfigError } from './errors.js';

export interface SiphonSql {
  readonly ddl: string;
  /** [{t, k}] → source_table, legacy_key, version, deleted, produced, entity_key */
  readonly selectVersions: string;
  /** [{t, k, v, d, e, ek, p}] upsert, only where newer */
  readonly upsertVersions: string;
  /** [{t, k}] (next table, next key text) → next_table, next_key, source_table, legacy_key */
  readonly selectOwners: string;
  /** [{t, k, st, lk}] */
  readonly upsertOwners: string;
  /** [{t, k}] */
  readonly deleteOwners: string;
  readonly selectCheckpoint: string;
  /** consumer, position */
  readonly upsertCheckpoint: string;
  /** [{st, lk, v, pt, pk, c, o}] */
  readonly upsertParked: string;
  /** [{st, lk, v}] */
  readonly deleteParked: string;
  /** [{t, k}] parent rows written → source_table, legacy_key, version, change, origin */
  readonly selectParkedByParent: string;
  readonly selectVersion: string;
}

function postgresSql(): SiphonSql {
  const rec = (cols: string) => `json_to_recordset(?::json) AS x(${cols})`;
  return {
    ddl: `CREATE SCHEMA IF NOT EXISTS siphon;
CREATE TABLE IF NOT EXISTS siphon.row_versions (source_table text NOT NULL, legacy_key text NOT NULL, version text COLLATE "C" NOT NULL,
  deleted smallint NOT NULL, entity text, entity_key text, produced text NOT NULL, PRIMARY KEY (source_table, legacy_key));
CREATE TABLE IF NOT EXISTS siphon.lineage (next_table text NOT NULL, next_key text NOT NULL, source_table text NOT NULL, legacy_key text NOT NULL,
  PRIMARY KEY (next_table, next_key));
CREATE TABLE IF NOT EXISTS siphon.checkpoints (consumer text PRIMARY KEY, position text, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS siphon.parked (source_table text NOT NULL, legacy_key text NOT NULL, version text COLLATE "C" NOT NULL,
  parent_table text NOT NULL, parent_key text NOT NULL, change text NOT NULL, origin text NOT NULL, PRIMARY KEY (source_table, legacy_key, version));
CREATE INDEX IF NOT EXISTS parked_parent ON siphon.parked (parent_table, parent_key);`,
    selectVersions: `SELECT v.source_table, v.legacy_key, v.version, v.deleted, v.produced, v.entity_key FROM ${rec('t text, k text')}
      JOIN siphon.row_versions v ON v.source_table = x.t AND v.legacy_key = x.k FOR UPDATE OF v`,
    upsertVersions: `INSERT INTO siphon.row_versions AS r (source_table, legacy_key, version, deleted, entity, entity_key, produced)
      SELECT x.t, x.k, x.v, x.d, x.e, x.ek, x.p FROM ${rec('t text, k text, v text, d smallint, e text, ek text, p text')}
      ON CONFLICT (source_table, legacy_key) DO UPDATE SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, entity = EXCLUDED.entity,
        entity_key = EXCLUDED.entity_key, produced = EXCLUDED.produced WHERE EXCLUDED.version > r.version`,
    selectOwners: `SELECT l.next_table, l.next_key, l.source_table, l.legacy_key FROM ${rec('t text, k text')}
      JOIN siphon.lineage l ON l.next_table = x.t AND l.next_key = x.k`,
    upsertOwners: `INSERT INTO siphon.lineage (next_table, next_key, source_table, legacy_key) SELECT x.t, x.k, x.st, x.lk FROM ${rec('t text, k text, st text, lk text')}
      ON CONFLICT (next_table, next_key) DO UPDATE SET source_table = EXCLUDED.source_table, legacy_key = EXCLUDED.legacy_key`,
    deleteOwners: `DELETE FROM siphon.lineage l USING ${rec('t text, k text')} WHERE l.next_table = x.t AND l.next_key = x.k`,
    selectCheckpoint: `SELECT position FROM siphon.checkpoints WHERE consumer = ? FOR UPDATE`,
    upsertCheckpoint: `INSERT INTO siphon.checkpoints (consumer, position, updated_at) VALUES (?, ?, now())
      ON CONFLICT (consumer) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
    upsertParked: `INSERT INTO siphon.parked (source_table, legacy_key, version, parent_table, parent_key, change, origin)
      SELECT x.st, x.lk, x.v, x.pt, x.pk, x.c, x.o FROM ${rec('st text, lk text, v text, pt text, pk text, c text, o text')}
      ON CONFLICT (source_table, legacy_key, version) DO UPDATE SET parent_table = EXCLUDED.parent_table, parent_key = EXCLUDED.parent_key`,
    deleteParked: `DELETE FROM siphon.parked p USING ${rec('st text, lk text, v text')} WHERE p.source_table = x.st AND p.legacy_key = x.lk AND p.version = x.v`,
    selectParkedByParent: `SELECT p.source_table, p.legacy_key, p.version, p.change, p.origin FROM ${rec('t text, k text')}
      JOIN siphon.parked p ON p.parent_table = x.t AND p.parent_key = x.k`,
    selectVersion: `SELECT version FROM siphon.row_versions WHERE source_table = ? AND legacy_key = ?`,
  };
}

function sqliteSql(): SiphonSql {
  const j = (f: string) => `json_extract(j.value, '$.${f}')`;
  return {
    ddl: `CREATE TABLE IF NOT EXISTS siphon_row_versions (source_table TEXT NOT NULL, legacy_key TEXT NOT NULL, version TEXT NOT NULL,
  deleted INTEGER NOT NULL, entity TEXT, entity_key TEXT, produced TEXT NOT NULL, PRIMARY KEY (source_table, legacy_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS siphon_lineage (next_table TEXT NOT NULL, next_key TEXT NOT NULL, source_table TEXT NOT NULL, legacy_key TEXT NOT NULL,
  PRIMARY KEY (next_table, next_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS siphon_checkpoints (consumer TEXT PRIMARY KEY, position TEXT, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS siphon_parked (source_table TEXT NOT NULL, legacy_key TEXT NOT NULL, version TEXT NOT NULL,
  parent_table TEXT NOT NULL, parent_key TEXT NOT NULL, change TEXT NOT NULL, origin TEXT NOT NULL, PRIMARY KEY (source_table, legacy_key, version));
CREATE INDEX IF NOT EXISTS siphon_parked_parent ON siphon_parked (parent_table, parent_key);`,
    selectVersions: `SELECT v.source_table, v.legacy_key, v.version, v.deleted, v.produced, v.entity_key FROM json_each(?) j
      JOIN siphon_row_versions v ON v.source_table = ${j('t')} AND v.legacy_key = ${j('k')}`,
    upsertVersions: `INSERT INTO siphon_row_versions (source_table, legacy_key, version, deleted, entity, entity_key, produced)
      SELECT ${['t', 'k', 'v', 'd', 'e', 'ek', 'p'].map(j).join(', ')} FROM json_each(?) j WHERE true
      ON CONFLICT (source_table, legacy_key) DO UPDATE SET version = excluded.version, deleted = excluded.deleted, entity = excluded.entity,
        entity_key = excluded.entity_key, produced = excluded.produced WHERE excluded.version > siphon_row_versions.version`,
    selectOwners: `SELECT l.next_table, l.next_key, l.source_table, l.legacy_key FROM json_each(?) j
      JOIN siphon_lineage l ON l.next_table = ${j('t')} AND l.next_key = ${j('k')}`,
    upsertOwners: `INSERT INTO siphon_lineage (next_table, next_key, source_table, legacy_key) SELECT ${['t', 'k', 'st', 'lk'].map(j).join(', ')} FROM json_each(?) j WHERE true
      ON CONFLICT (next_table, next_key) DO UPDATE SET source_table = excluded.source_table, legacy_key = excluded.legacy_key`,
    deleteOwners: `DELETE FROM siphon_lineage WHERE (next_table, next_key) IN (SELECT ${j('t')}, ${j('k')} FROM json_each(?) j)`,
    selectCheckpoint: `SELECT position FROM siphon_checkpoints WHERE consumer = ?`,
    upsertCheckpoint: `INSERT INTO siphon_checkpoints (consumer, position, updated_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    upsertParked: `INSERT INTO siphon_parked (source_table, legacy_key, version, parent_table, parent_key, change, origin)
      SELECT ${['st', 'lk', 'v', 'pt', 'pk', 'c', 'o'].map(j).join(', ')} FROM json_each(?) j WHERE true
      ON CONFLICT (source_table, legacy_key, version) DO UPDATE SET parent_table = excluded.parent_table, parent_key = excluded.parent_key`,
    deleteParked: `DELETE FROM siphon_parked WHERE (source_table, legacy_key, version) IN (SELECT ${j('st')}, ${j('lk')}, ${j('v')} FROM json_each(?) j)`,
    selectParkedByParent: `SELECT p.source_table, p.legacy_key, p.version, p.change, p.origin FROM json_each(?) j
      JOIN siphon_parked p ON p.parent_table = ${j('t')} AND p.parent_key = ${j('k')}`,
    selectVersion: `SELECT version FROM siphon_row_versions WHERE source_table = ? AND legacy_key = ?`,
  };
}

export function siphonSql(dialect: Dialect): SiphonSql {
  switch (dialect) {
    case 'postgres': return postgresSql();
    case 'sqlite': return sqliteSql();
    case 'mysql': throw new ApplyConfigError('apply into MariaDB/MySQL is not supported: next must be PostgreSQL or SQLite', { dialect });
  }
}

/** The prefix of Siphon's own tables in a next database (a verifier lists next's tables without them). */
export const SIPHON_TABLE_PREFIX = 'siphon_';

/** Creates Siphon's tables in next when missing (idempotent). */
export async function ensureSiphonTables(next: Database): Promise<SiphonSql> {
  const sql = siphonSql(next.dialect);
  await next.execute(sql.ddl);
  return sql;
}
