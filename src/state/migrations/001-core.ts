import type { Migration } from './migration.js';

// Ledger keys and versions compare byte-wise on both engines (SQLite BINARY; PostgreSQL COLLATE "C") so that the
// sortable version form and key pagination order are identical everywhere.
export const m001Core: Migration = {
  id: 1,
  description: 'ledger, checkpoints, settings',
  sqlite: `
    CREATE TABLE ledger (
      entity TEXT NOT NULL,
      key TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('legacy', 'copied', 'verified', 'owned-by-next', 'quarantined')),
      version TEXT NOT NULL,
      origin TEXT NOT NULL CHECK (origin IN ('backfill', 'aspire', 'capture')),
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (entity, key)
    ) WITHOUT ROWID;
    CREATE INDEX ledger_entity_state ON ledger (entity, state, key);
    CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL, updated_at INTEGER NOT NULL);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
  `,
  postgres: `
    CREATE TABLE ledger (
      entity text COLLATE "C" NOT NULL,
      key text COLLATE "C" NOT NULL,
      state text NOT NULL CHECK (state IN ('legacy', 'copied', 'verified', 'owned-by-next', 'quarantined')),
      version text COLLATE "C" NOT NULL,
      origin text NOT NULL CHECK (origin IN ('backfill', 'aspire', 'capture')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (entity, key)
    );
    CREATE INDEX ledger_entity_state ON ledger (entity, state, key);
    CREATE TABLE checkpoints (name text PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE settings (key text PRIMARY KEY, value jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
  `,
};
