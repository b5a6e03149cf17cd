/**
 * The PostgreSQL log's tables, in their own schema (default `siphon_log`).
 *
 * `transaction_id` is the appending transaction's xid8 (64-bit, never wraps). Readers order by
 * (transaction_id, position) and only read rows whose transaction is older than every transaction still open
 * (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`): once a reader has returned an entry, no entry can
 * appear below it later. With `position` alone (a sequence), a transaction that took position 10 and commits after
 * another that took position 11 would be skipped by a reader that already checkpointed 11.
 * The primary key is the pair, so the reader's range scan and the retention delete use the index.
 */
export function postgresSchema(schema: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE IF NOT EXISTS ${schema}.entries (
  position bigint GENERATED ALWAYS AS IDENTITY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  source text NOT NULL,
  tbl text NOT NULL,
  kind text NOT NULL,
  op text,
  record text NOT NULL,
  appended_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (transaction_id, position)
);
CREATE TABLE IF NOT EXISTS ${schema}.consumers (
  name text PRIMARY KEY,
  transaction_id xid8,
  position bigint,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((transaction_id IS NULL) = (position IS NULL))
);
CREATE TABLE IF NOT EXISTS ${schema}.sources (
  source text PRIMARY KEY,
  position text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`;
}
