import type { ColumnInfo, Database } from '../../backends/types.js';
import { fromSqlite, type SqliteRaw } from '../../backends/sqlite/values.js';
import { type Row, toPlain } from '../../values/index.js';
import type { CapturedTable } from '../tables.js';
import { CHANGE_TABLE, type TriggerDialect, lit, rowsToChanges, triggerName } from './dialect.js';

/**
 * SQLite: a single writer at a time, so change ids are allocated in commit order and the visible rows are always a
 * prefix of the id sequence: the drainer needs no bound.
 *
 * Images are JSON objects column → [tag, payload] rebuilding exactly what the adapter's SELECT hands to `fromSqlite`:
 * text/json/blob columns as the bytes of CAST(x AS BLOB) ('b', hex), decimal columns as CAST(x AS TEXT) ('x', hex of
 * the text), other columns by storage class ('i' integer text → bigint, 'r' real, 'x' text, 'b' blob).
 */
const CHUNK = 40; // json_object() arguments are limited (SQLITE_MAX_FUNCTION_ARG): build wide images in parts

function encodeColumn(c: ColumnInfo, ref: string): string {
  if (c.type === 'text' || c.type === 'json' || c.type === 'bytes') {
    return `CASE WHEN ${ref} IS NULL THEN NULL ELSE json_array('b', hex(CAST(${ref} AS BLOB))) END`;
  }
  if (c.type === 'dec') return `CASE WHEN ${ref} IS NULL THEN NULL ELSE json_array('x', hex(CAST(${ref} AS TEXT))) END`;
  return `CASE typeof(${ref}) WHEN 'null' THEN NULL WHEN 'integer' THEN json_array('i', CAST(${ref} AS TEXT)) ` +
    `WHEN 'real' THEN json_array('r', ${ref}) WHEN 'text' THEN json_array('x', hex(${ref})) ELSE json_array('b', hex(${ref})) END`;
}

function image(db: Database, t: CapturedTable, alias: 'NEW' | 'OLD'): string {
  const parts: string[] = [];
  const cols = t.info.columns;
  for (let i = 0; i < cols.length; i += CHUNK) {
    parts.push(`json_object(${cols.slice(i, i + CHUNK).map((c) => `${lit(c.name)}, ${encodeColumn(c, `${alias}.${db.quoteIdent(c.name)}`)}`).join(', ')})`);
  }
  return parts.length === 0 ? `'{}'` : parts.reduce((a, b) => `json_patch(${a}, ${b})`);
}

type Tagged = [string, string | number];

function decodeTagged(v: Tagged | null): SqliteRaw {
  if (v === null) return null;
  const [tag, payload] = v;
  switch (tag) {
    case 'i': return BigInt(String(payload));
    case 'r': return Number(payload);
    case 'x': return Buffer.from(String(payload), 'hex').toString('utf8');
    default: return Buffer.from(String(payload), 'hex');
  }
}

export const sqliteTriggers: TriggerDialect = {
  changeTableDdl: (db) => [
    `CREATE TABLE IF NOT EXISTS ${db.quoteIdent(CHANGE_TABLE)} (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, ` +
    `op TEXT NOT NULL, before_img TEXT, after_img TEXT, txid TEXT, at TEXT NOT NULL)`,
  ],
  dropChangeTableDdl: (db) => [`DROP TABLE IF EXISTS ${db.quoteIdent(CHANGE_TABLE)}`],
  installDdl(db, t) {
    const tbl = db.quoteIdent(t.name);
    const ins = (op: string, before: string, after: string) =>
      `INSERT INTO ${db.quoteIdent(CHANGE_TABLE)} (tbl, op, before_img, after_img, at) VALUES (${lit(t.name)}, '${op}', ${before}, ${after}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));`;
    return [
      ...this.uninstallDdl(db, t.name),
      `CREATE TRIGGER ${db.quoteIdent(triggerName(t.name, 'ai'))} AFTER INSERT ON ${tbl} BEGIN ${ins('insert', 'NULL', image(db, t, 'NEW'))} END`,
      `CREATE TRIGGER ${db.quoteIdent(triggerName(t.name, 'au'))} AFTER UPDATE ON ${tbl} BEGIN ${ins('update', image(db, t, 'OLD'), image(db, t, 'NEW'))} END`,
      `CREATE TRIGGER ${db.quoteIdent(triggerName(t.name, 'ad'))} AFTER DELETE ON ${tbl} BEGIN ${ins('delete', image(db, t, 'OLD'), 'NULL')} END`,
    ];
  },
  rebuildOnSchemaChange: true,
  async dropAllTriggers(db) {
    const r = await db.query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'siphon\\_%' ESCAPE '\\'`);
    return r.map((x) => `DROP TRIGGER IF EXISTS ${db.quoteIdent(String(x['name']))}`);
  },
  uninstallDdl: (db, table) => ['ai', 'au', 'ad'].map((s) => `DROP TRIGGER IF EXISTS ${db.quoteIdent(triggerName(table, s))}`),
  decodeImage(text, t) {
    const parsed = JSON.parse(text) as Record<string, Tagged | null>;
    const row: Row = {};
    for (const [name, v] of Object.entries(parsed)) {
      const c = t.columns.get(name);
      row[name] = fromSqlite(decodeTagged(v), c ?? { type: 'unknown' });
    }
    return row;
  },
  boundTracker: () => async () => null,
  // bumped by every schema change of the database file (ours included: a needless re-describe, never a missed one)
  async shapeFingerprint(db) { return String(toPlain((await db.query('PRAGMA schema_version'))[0]?.['schema_version'] ?? null)); },
  async read(db, last, _bound, limit) {
    const rows = await db.query(
      `SELECT id, tbl, op, before_img, after_img, txid, at FROM ${db.quoteIdent(CHANGE_TABLE)} WHERE id > ? ORDER BY id LIMIT ?`,
      [last, limit]);
    return rowsToChanges(rows);
  },
};
