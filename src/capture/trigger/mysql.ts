import type { ColumnInfo, Database } from '../../backends/types.js';
import type { Row, Value } from '../../values/index.js';
import { toPlain } from '../../values/index.js';
import type { CapturedTable } from '../tables.js';
import { decodeMysqlTriggerValue } from '../decode/mysql.js';
import { CHANGE_TABLE, type TriggerDialect, lit, rowsToChanges, triggerName } from './dialect.js';

/**
 * MariaDB/MySQL. Images are JSON_OBJECT(column → tagged text) built from the column list (regenerated when a schema
 * change is followed). Tags keep the raw form the adapter decodes:
 *   h:HEX  text columns: the stored bytes in the column's character set (latin1 stays latin1, bad bytes stay bad)
 *   b:HEX  binary columns
 *   @secs  TIMESTAMP as epoch seconds (independent of the writer's session time_zone); =text for the zero timestamp
 *   s:text everything else, as CAST(x AS CHAR) (the server's own text form, as a SELECT returns it)
 *
 * Commit order: AUTO_INCREMENT ids are taken at insert time, so a later id can commit first. At each poll the
 * drainer notes the next id to be allocated; at the next poll it reads up to the noted bound with a locking read
 * (LOCK IN SHARE MODE), which waits for any transaction that inserted an id in that range and has not ended, so a
 * change is never skipped. (One poll interval lets each noted insert reach the index.)
 */
function encode(c: ColumnInfo, ref: string): string {
  const n = c.nativeType.toLowerCase();
  if (n.startsWith('bit')) {
    const bits = Number(/\((\d+)\)/.exec(n)?.[1] ?? '1');
    return `CONCAT('b:', LPAD(HEX(${ref}), ${2 * Math.ceil(bits / 8)}, '0'))`;
  }
  // UUID, INET4, INET6 are stored as bytes but read as their text form: HEX() would give the bytes
  if (/^(uuid|inet4|inet6)\b/.test(n)) return `CONCAT('s:', CAST(${ref} AS CHAR))`;
  if (c.type === 'bytes' || /^(tiny|medium|long)?blob|^(var)?binary/.test(n)) return `CONCAT('b:', HEX(${ref}))`;
  if (c.type === 'text' || c.type === 'json' || /char|text|enum|set\(/.test(n)) return `CONCAT('h:', HEX(${ref}))`;
  if (c.type === 'ts' || n.startsWith('timestamp')) {
    // the zero timestamp: UNIX_TIMESTAMP() gives 0 or NULL for it (10.11: NULL), never a real instant (1970-01-01
    // 00:00:00 UTC is below TIMESTAMP's range)
    return `IF(${ref} IS NULL, NULL, IF(COALESCE(UNIX_TIMESTAMP(${ref}), 0) = 0, CONCAT('=', CAST(${ref} AS CHAR)), CONCAT('@', UNIX_TIMESTAMP(${ref}))))`;
  }
  return `CONCAT('s:', CAST(${ref} AS CHAR))`;
}

const text = (v: Value | undefined): string => (v === null || v === undefined ? '' : String(toPlain(v)));

function image(db: Database, t: CapturedTable, ref: 'NEW' | 'OLD'): string {
  return `JSON_OBJECT(${t.info.columns.map((c) => `${lit(c.name)}, ${encode(c, `${ref}.${db.quoteIdent(c.name)}`)}`).join(', ')})`;
}

const AT = `DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')`;

export const mysqlTriggers: TriggerDialect = {
  changeTableDdl: (db) => [
    `CREATE TABLE IF NOT EXISTS ${db.quoteIdent(CHANGE_TABLE)} (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, ` +
    `tbl VARCHAR(191) NOT NULL, op VARCHAR(8) NOT NULL, before_img LONGTEXT NULL, after_img LONGTEXT NULL, ` +
    `txid VARCHAR(64) NULL, at VARCHAR(32) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ],
  dropChangeTableDdl: (db) => [`DROP TABLE IF EXISTS ${db.quoteIdent(CHANGE_TABLE)}`],
  installDdl(db, t) {
    const ins = (op: string, before: string, after: string) =>
      `INSERT INTO ${db.quoteIdent(CHANGE_TABLE)} (tbl, op, before_img, after_img, at) VALUES (${lit(t.name)}, '${op}', ${before}, ${after}, ${AT})`;
    const tbl = db.quoteIdent(t.name);
    // CREATE OR REPLACE (MariaDB): no moment without a trigger when following a schema change
    return [
      `CREATE OR REPLACE TRIGGER ${db.quoteIdent(triggerName(t.name, 'ai'))} AFTER INSERT ON ${tbl} FOR EACH ROW ${ins('insert', 'NULL', image(db, t, 'NEW'))}`,
      `CREATE OR REPLACE TRIGGER ${db.quoteIdent(triggerName(t.name, 'au'))} AFTER UPDATE ON ${tbl} FOR EACH ROW ${ins('update', image(db, t, 'OLD'), image(db, t, 'NEW'))}`,
      `CREATE OR REPLACE TRIGGER ${db.quoteIdent(triggerName(t.name, 'ad'))} AFTER DELETE ON ${tbl} FOR EACH ROW ${ins('delete', image(db, t, 'OLD'), 'NULL')}`,
    ];
  },
  rebuildOnSchemaChange: true,
  async dropAllTriggers(db) {
    const r = await db.query(`SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'siphon\\_%'`);
    return r.map((x) => `DROP TRIGGER IF EXISTS ${db.quoteIdent(String(x['n']))}`);
  },
  uninstallDdl: (db, table) => ['ai', 'au', 'ad'].map((s) => `DROP TRIGGER IF EXISTS ${db.quoteIdent(triggerName(table, s))}`),
  decodeImage(text, t) {
    const parsed = JSON.parse(text) as Record<string, string | null>;
    const row: Row = {};
    for (const [name, v] of Object.entries(parsed)) {
      const c = t.columns.get(name) ?? { name, type: 'unknown' as const, nativeType: 'unknown', nullable: true };
      row[name] = v === null ? null : decodeMysqlTriggerValue(v, c);
    }
    return row;
  },
  async shapeFingerprint(db, tables) {
    const r = await db.query(
      `SELECT GROUP_CONCAT(TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE ORDER BY TABLE_NAME, ORDINAL_POSITION SEPARATOR ',') AS f ` +
      `FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${tables.map(lit).join(', ')})`);
    return text(r[0]?.['f']);
  },
  boundTracker() {
    let noted: bigint | null = null;
    return async (db: Database) => {
      const r = await db.query(
        `SELECT AUTO_INCREMENT AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, [CHANGE_TABLE]);
      const v: Value | undefined = r[0]?.['n'];
      const next = v === null || v === undefined ? 1n : BigInt(String(toPlain(v)));
      const bound = noted;
      noted = next - 1n;
      return bound ?? 0n;
    };
  },
  async read(db, last, bound, limit) {
    try {
      // autocommit: the locks live only as long as this statement
      const rows = await db.query(
        `SELECT id, tbl, op, before_img, after_img, txid, at FROM ${db.quoteIdent(CHANGE_TABLE)} ` +
        `WHERE id > ? AND id <= ? ORDER BY id LIMIT ? LOCK IN SHARE MODE`, [last, bound ?? last, limit]);
      return rowsToChanges(rows);
    } catch (e) {
      // a writer kept its transaction open past the lock wait timeout: nothing lost, try again at the next poll
      if (/lock wait timeout/i.test((e as Error).message)) return [];
      throw e;
    }
  },
};
