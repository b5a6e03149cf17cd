/**
 * The statements of the bulk path (PostgreSQL next; the only engine with `capabilities.copyIn`). Staging tables are
 * temporary and dropped at commit, created in the batch's transaction: a rolled-back batch leaves nothing behind, and
 * a change of a next table's shape is seen by the next batch (`AS SELECT … WITH NO DATA` copies the column types,
 * not the constraints, so a value the next table refuses is refused by the set statement, never by COPY).
 */
import type { ColumnInfo, ForeignKeyInfo } from '../../backends/types.js';
import type { NextTable } from '../next-tables.js';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export const STAGE_VERSIONS = 'siphon_bulk_versions';
export const stageRows = (n: number) => `siphon_bulk_rows_${n}`;

const INT: ColumnInfo = { name: '', type: 'int', nativeType: 'integer', nullable: false };
const TEXT: ColumnInfo = { name: '', type: 'text', nativeType: 'text', nullable: true };
/** Columns of the versions staging table, as `copyIn` wants them. */
export const VERSION_COLUMNS: readonly ColumnInfo[] = [
  { ...INT, name: 'i' }, ...['t', 'k', 'v', 'e', 'ek', 'p'].map((name) => ({ ...TEXT, name })),
];
/** Columns of a rows staging table: the batch index and the next key text, then the next table's columns. */
export const rowColumns = (t: NextTable, columns: readonly string[]): ColumnInfo[] =>
  [{ ...INT, name: '_i' }, { ...TEXT, name: '_nk' }, ...columns.map((c) => t.columns.get(c)!)];

/** One script (no parameters: simple protocol, several statements). */
export function createStaging(tables: readonly { table: NextTable; columns: readonly string[] }[]): string {
  const parts = [`CREATE TEMP TABLE ${STAGE_VERSIONS} (i integer NOT NULL, t text, k text, v text COLLATE "C", e text, ek text, p text) ON COMMIT DROP`];
  tables.forEach(({ table, columns }, n) => {
    parts.push(`CREATE TEMP TABLE ${stageRows(n)} ON COMMIT DROP AS SELECT NULL::integer AS _i, NULL::text AS _nk, ${columns.map(q).join(', ')} FROM ${q(table.name)} WITH NO DATA`);
  });
  return parts.join(';\n');
}

// LATERAL … LIMIT 1: one index probe per staged row. As a plain (anti) join the planner, which has no statistics on
// a temporary table, hashed the whole parent table for every chunk (seq scan of 257k invoices: 0.3 s per chunk, and
// growing with next).
const parentMissing = (fk: ForeignKeyInfo) =>
  `(${fk.columns.map((c) => `s.${q(c)} IS NOT NULL`).join(' AND ')} AND NOT EXISTS (SELECT 1 FROM LATERAL (SELECT 1 FROM ${q(fk.refTable)} p WHERE ${fk.columns.map((c, i) => `p.${q(fk.refColumns[i]!)} = s.${q(c)}`).join(' AND ')} LIMIT 1) x))`;

/**
 * The staged changes the per-row planner must take because of next's other rows: a lineage line names an owner for
 * one of their next rows, or a parent row is not in next yet (the per-row path parks it: `missing-parent`).
 * Params: one next table name per staged rows table. (A stored version is found by the versions insert itself.)
 */
export function selectOut(tables: readonly { table: NextTable; columns: readonly string[] }[]): string | null {
  const parts: string[] = [];
  tables.forEach(({ table }, n) => {
    parts.push(`SELECT s._i AS i FROM ${stageRows(n)} s, LATERAL (SELECT 1 FROM siphon.lineage l WHERE l.next_table = ?::text AND l.next_key = s._nk LIMIT 1) x`);
    const fks = table.parents.filter((fk) => fk.columns.every((c) => table.columns.has(c)));
    if (fks.length > 0) parts.push(`SELECT s._i FROM ${stageRows(n)} s WHERE ${fks.map(parentMissing).join(' OR ')}`);
  });
  return parts.length === 0 ? null : parts.join('\nUNION ');
}

/** Removes changes (JSON array of batch indexes) from the staging tables: they go the per-row way. */
export const dropFromStaging = (table: string, column: 'i' | '_i') =>
  `DELETE FROM ${table} WHERE ${column} IN (SELECT value::int FROM json_array_elements_text(?::json))`;

/**
 * The versions of legacy rows next never saw, inserted; returns the staged changes whose legacy row next already holds
 * at some version (newer: stale; older: its rows may differ): those take the per-row path (compare-and-set there).
 * The insert's own index probe is the check, so a line written by a concurrent applier is seen too (the insert waits
 * for it, then skips it).
 */
export const insertVersions = `WITH ins AS (INSERT INTO siphon.row_versions (source_table, legacy_key, version, deleted, entity, entity_key, produced)
  SELECT t, k, v, 0, e, ek, p FROM ${STAGE_VERSIONS} ON CONFLICT (source_table, legacy_key) DO NOTHING RETURNING source_table, legacy_key)
  SELECT b.i FROM ${STAGE_VERSIONS} b WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.source_table = b.t AND ins.legacy_key = b.k)`;

/** The staged rows of one next table: new keys inserted, keys next holds without owner (written outside Siphon) updated. */
export function upsertRows(table: NextTable, columns: readonly string[], n: number): string {
  const rest = columns.filter((c) => !table.key.includes(c));
  const action = rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ')}`;
  return `INSERT INTO ${q(table.name)} (${columns.map(q).join(', ')}) SELECT ${columns.map(q).join(', ')} FROM ${stageRows(n)}`
    + ` ON CONFLICT (${table.key.map(q).join(', ')}) ${action}`;
}

/** The checkpoint, moved only from the expected position (compare-and-set); returns a row when it moved. */
export const moveCheckpoint = `INSERT INTO siphon.checkpoints AS cp (consumer, position, updated_at) VALUES (?, ?, now())
  ON CONFLICT (consumer) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
  WHERE cp.position IS NOT DISTINCT FROM ?::text RETURNING 1 AS moved`;

/**
 * One round trip at the start of a bulk transaction: the checkpoint's position, its row locked until COMMIT (kind 'c';
 * no row: none stored), and, for the direct attempt, whether any lineage line names one of the next tables (kind 'l':
 * then the staged path runs, which looks owners up per row). Params: consumer ('' when none), next tables (JSON array).
 */
export const checkpointAndLineage = `WITH c AS MATERIALIZED (SELECT position FROM siphon.checkpoints WHERE consumer = ? FOR UPDATE)
  SELECT 'c' AS kind, position FROM c
  UNION ALL SELECT 'l', NULL FROM (SELECT 1 FROM siphon.lineage WHERE next_table IN (SELECT value FROM json_array_elements_text(?::json)) LIMIT 1) l`;
