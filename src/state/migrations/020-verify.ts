import type { Migration } from './migration.js';

/**
 * Verify's results (src/verify): one row per run, the latest figure per table (the dashboard's running compatibility
 * figure), and every difference found, not a sample. Numbered 20, away from the data-path migrations written in
 * parallel (5, 6...): migrations apply by id whatever the order they arrive in, and this one only adds tables.
 */
export const m020Verify: Migration = {
  id: 20,
  description: 'verify runs, per-table results and every difference found',
  sqlite: `
    CREATE TABLE verify_runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      mode TEXT NOT NULL,
      scope TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      verdict TEXT,
      summary_json TEXT
    );
    CREATE TABLE verify_tables (
      table_name TEXT PRIMARY KEY,
      run_id INTEGER NOT NULL,
      verdict TEXT NOT NULL,
      legacy_rows INTEGER NOT NULL,
      matched INTEGER NOT NULL,
      missing INTEGER NOT NULL,
      extra INTEGER NOT NULL,
      mismatched INTEGER NOT NULL,
      quarantined INTEGER NOT NULL,
      rechecked INTEGER NOT NULL,
      compatibility REAL NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE TABLE verify_differences (
      run_id INTEGER NOT NULL,
      source_table TEXT NOT NULL,
      next_table TEXT NOT NULL,
      key_text TEXT NOT NULL,
      kind TEXT NOT NULL,
      legacy_key_json TEXT,
      columns_json TEXT NOT NULL,
      found_at INTEGER NOT NULL,
      PRIMARY KEY (run_id, next_table, key_text)
    );
  `,
  postgres: `
    CREATE TABLE verify_runs (
      id bigserial PRIMARY KEY,
      mode text NOT NULL,
      scope text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      verdict text,
      summary_json jsonb
    );
    CREATE TABLE verify_tables (
      table_name text PRIMARY KEY,
      run_id bigint NOT NULL,
      verdict text NOT NULL,
      legacy_rows bigint NOT NULL,
      matched bigint NOT NULL,
      missing bigint NOT NULL,
      extra bigint NOT NULL,
      mismatched bigint NOT NULL,
      quarantined bigint NOT NULL,
      rechecked bigint NOT NULL,
      compatibility double precision NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE verify_differences (
      run_id bigint NOT NULL,
      source_table text NOT NULL,
      next_table text NOT NULL,
      key_text text NOT NULL,
      kind text NOT NULL,
      legacy_key_json jsonb,
      columns_json jsonb NOT NULL,
      found_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, next_table, key_text)
    );
  `,
};
