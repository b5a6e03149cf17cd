import type { Migration } from './migration.js';

/**
 * Aspire's flights (src/aspire, issue 13): one line per entity ever aspired. It is the single-flight claim shared by
 * every process on the same store (a live `running` line with an unexpired lease belongs to its owner; others wait for
 * it), the request queue of processes that do not run the data path (`queued`, served by the one that does), and the
 * memory of entities already migrated ('migrated': a later call answers at once). Numbered 40, away from the
 * migrations other areas add in parallel (30: the ledger feed): migrations apply by id, this one only adds a table.
 */
export const m040Aspire: Migration = {
  id: 40,
  description: 'aspire flights: single-flight claims, queued requests, migrated entities',
  sqlite: `
    CREATE TABLE aspire_flights (
      entity TEXT NOT NULL,
      key TEXT NOT NULL,
      state TEXT NOT NULL,
      owner TEXT,
      lease_until INTEGER NOT NULL DEFAULT 0,
      trigger TEXT NOT NULL,
      actor TEXT,
      rows INTEGER NOT NULL DEFAULT 0,
      version TEXT,
      result_json TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      requested_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (entity, key)
    );
    CREATE INDEX aspire_flights_queued ON aspire_flights (state, requested_at);
  `,
  postgres: `
    CREATE TABLE aspire_flights (
      entity text NOT NULL,
      key text NOT NULL,
      state text NOT NULL,
      owner text,
      lease_until bigint NOT NULL DEFAULT 0,
      trigger text NOT NULL,
      actor text,
      rows integer NOT NULL DEFAULT 0,
      version text,
      result_json jsonb,
      attempts integer NOT NULL DEFAULT 0,
      requested_at bigint NOT NULL,
      updated_at bigint NOT NULL,
      PRIMARY KEY (entity, key)
    );
    CREATE INDEX aspire_flights_queued ON aspire_flights (state, requested_at);
  `,
};
