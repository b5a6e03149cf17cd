import type { Database } from '../../backends/types.js';
import type { Row } from '../../values/index.js';
import { toPlain } from '../../values/index.js';
import type { CapturedTable } from '../tables.js';
import { decodePostgresText } from '../decode/postgres.js';
import { splitRecord } from '../decode/pg-record.js';
import { CHANGE_TABLE, type TriggerDialect, lit, rowsToChanges, triggerName } from './dialect.js';

const SEQ = 'siphon_changes_seq';
const FN = 'siphon_capture_row';

/**
 * PostgreSQL: one generic trigger function for every table. The image is `[column names, row text]`: the names from
 * the catalog (in column order, as of this very row) and the row's text form (`NEW::text`), whose fields are each
 * column type's own output, the text a SELECT returns. The function pins the settings that shape that text (TimeZone
 * UTC, DateStyle ISO, IntervalStyle, bytea hex, shortest exact floats), so a writer's session settings do not leak
 * in. New columns appear without regenerating anything. (The earlier image, to_jsonb(NEW), turned arrays and
 * composites into JSON instead of their text form and made every write fail for a json column holding \u0000;
 * its images are still read.)
 *
 * Commit order: ids come from a sequence at insert time, so a later id can commit before an earlier one. The drainer
 * reads only up to a bound B that is known final: at each poll it reads the sequence's last value S, then the set R
 * of transaction ids open in this database (pg_stat_activity.backend_xid, plus prepared transactions). Every id <= S
 * was taken by a transaction that had an xid before the trigger called nextval (the row write gave it one), so it
 * has ended or is in R. Once none of R is still open, every id <= S is committed or gone for good, and B = S.
 * Restricting R to this database keeps long transactions elsewhere in the cluster from holding capture back (a
 * cluster-wide snapshot xmin would). Cost: about one poll of extra latency; a long-open transaction in legacy holds
 * draining back (correctly: its changes come first). Seeing other sessions' backend_xid needs superuser or the
 * pg_read_all_stats role.
 */
const image = (ref: 'NEW' | 'OLD') => `'[' || names || ',' || to_json(${ref}::text)::text || ']'`;

export const postgresTriggers: TriggerDialect = {
  changeTableDdl: (db) => [
    `CREATE SEQUENCE IF NOT EXISTS ${db.quoteIdent(SEQ)}`,
    `CREATE TABLE IF NOT EXISTS ${db.quoteIdent(CHANGE_TABLE)} (id BIGINT PRIMARY KEY DEFAULT nextval('${SEQ}'), ` +
    `tbl TEXT NOT NULL, op TEXT NOT NULL, before_img TEXT, after_img TEXT, ` +
    `txid TEXT NOT NULL DEFAULT pg_current_xact_id()::text, ` +
    `at TEXT NOT NULL DEFAULT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))`,
    `CREATE OR REPLACE FUNCTION ${FN}() RETURNS trigger LANGUAGE plpgsql
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET bytea_output = 'hex' SET extra_float_digits = 1
AS $fn$
DECLARE names text;
BEGIN
  names := (SELECT json_agg(attname ORDER BY attnum)::text FROM pg_attribute WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped);
  INSERT INTO ${db.quoteIdent(CHANGE_TABLE)} (tbl, op, before_img, after_img) VALUES (TG_ARGV[0], lower(TG_OP),
    CASE WHEN TG_OP <> 'INSERT' THEN ${image('OLD')} END,
    CASE WHEN TG_OP <> 'DELETE' THEN ${image('NEW')} END);
  RETURN NULL;
END $fn$`,
  ],
  dropChangeTableDdl: (db) => [
    `DROP TABLE IF EXISTS ${db.quoteIdent(CHANGE_TABLE)}`, `DROP SEQUENCE IF EXISTS ${db.quoteIdent(SEQ)}`,
    // CASCADE: the triggers of every table still calling it go too (they could not write anywhere any more)
    `DROP FUNCTION IF EXISTS ${FN}() CASCADE`,
  ],
  installDdl: (db, t) => [
    `DROP TRIGGER IF EXISTS ${db.quoteIdent(triggerName(t.name, 'cdc'))} ON ${db.quoteIdent(t.name)}`,
    `CREATE TRIGGER ${db.quoteIdent(triggerName(t.name, 'cdc'))} AFTER INSERT OR UPDATE OR DELETE ON ${db.quoteIdent(t.name)} ` +
    `FOR EACH ROW EXECUTE FUNCTION ${FN}(${lit(t.name)})`,
  ],
  rebuildOnSchemaChange: false, // the image is to_jsonb(NEW): new columns appear by themselves
  dropAllTriggers: async () => [], // DROP FUNCTION … CASCADE takes them
  uninstallDdl: (db, table) => [`DROP TRIGGER IF EXISTS ${db.quoteIdent(triggerName(table, 'cdc'))} ON ${db.quoteIdent(table)}`],
  decodeImage(text, t: CapturedTable): Row {
    if (text.startsWith('[')) {
      const [names, record] = JSON.parse(text) as [string[], string];
      const fields = splitRecord(record);
      const row: Row = {};
      names.forEach((name, i) => {
        const v = fields[i] ?? null;
        row[name] = v === null ? null : decodePostgresText(v, t.columns.get(name) ?? { type: 'unknown', nativeType: 'unknown' });
      });
      return row;
    }
    const parsed = JSON.parse(text) as Record<string, string>;
    const row: Row = {};
    for (const [name, jsonText] of Object.entries(parsed)) {
      const c = t.columns.get(name);
      if (jsonText === 'null') { row[name] = null; continue; }
      if (c?.type === 'json') { row[name] = decodePostgresText(jsonText, c); continue; }
      let textForm: string;
      if (jsonText.startsWith('"')) textForm = JSON.parse(jsonText) as string;
      else if (jsonText === 'true' || jsonText === 'false') textForm = jsonText[0]!; // PostgreSQL's text form: t / f
      else textForm = jsonText;
      row[name] = decodePostgresText(textForm, c ?? { name, type: 'unknown', nativeType: 'unknown', nullable: true });
    }
    return row;
  },
  async checkSetup(db) {
    // without it, other sessions' backend_xid reads as NULL and an open transaction's change could be passed over
    const r = await db.query(`SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS ok`);
    return r[0]?.['ok'] === true ? null
      : 'the capture role must be superuser or a member of pg_read_all_stats (GRANT pg_read_all_stats TO <role>): trigger capture reads the open transactions of other sessions to drain in commit order';
  },
  async shapeFingerprint(db, tables) {
    const r = await db.query(
      `SELECT string_agg(attrelid::regclass::text || '.' || attname || ' ' || atttypid || ' ' || atttypmod || ' ' || attnotnull, ',' ORDER BY attrelid, attnum) AS f ` +
      `FROM pg_attribute WHERE attrelid IN (${tables.map((t) => `to_regclass(${lit(db.quoteIdent(t))})`).join(', ')}) AND attnum > 0 AND NOT attisdropped`);
    return String(toPlain(r[0]?.['f'] ?? null));
  },
  boundTracker() {
    const pending: { seq: bigint; open: Set<string> }[] = [];
    let safe = 0n;
    return async (db: Database) => {
      const s = await db.query(`SELECT last_value, is_called FROM ${db.quoteIdent(SEQ)}`);
      const x = await db.query(
        `SELECT backend_xid::text AS x FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL ` +
        `UNION ALL SELECT transaction::text FROM pg_prepared_xacts WHERE database = current_database()`);
      const seq = BigInt(String(toPlain(s[0]?.['last_value'] ?? null) ?? '0')) - (s[0]?.['is_called'] === true ? 0n : 1n);
      const open = new Set(x.map((r) => String(r['x'])));
      if (pending.length === 0 || pending[pending.length - 1]!.seq !== seq) pending.push({ seq, open });
      while (pending.length > 0 && ![...pending[0]!.open].some((xid) => open.has(xid))) {
        if (pending[0]!.seq > safe) safe = pending[0]!.seq;
        pending.shift();
      }
      return safe;
    };
  },
  async read(db, last, bound, limit) {
    const rows = await db.query(
      `SELECT id, tbl, op, before_img, after_img, txid, at FROM ${db.quoteIdent(CHANGE_TABLE)} WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
      [last, bound ?? last, limit]);
    return rowsToChanges(rows);
  },
};
