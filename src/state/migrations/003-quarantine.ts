import type { Migration } from './migration.js';

// The partial unique index is what dedupes: while an item is open, the same table+key+reason only bumps its attempts.
export const m003Quarantine: Migration = {
  id: 3,
  description: 'quarantine',
  sqlite: `
    CREATE TABLE quarantine (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      source_table TEXT NOT NULL,
      key TEXT NOT NULL,
      payload_json TEXT NOT NULL,
      reason_code TEXT NOT NULL,
      message TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 1,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'redriven', 'resolved'))
    );
    CREATE UNIQUE INDEX quarantine_open ON quarantine (source_table, key, reason_code) WHERE state = 'open';
    CREATE INDEX quarantine_table_reason ON quarantine (source_table, reason_code, state);
    CREATE INDEX quarantine_state ON quarantine (state, id);
  `,
  postgres: `
    CREATE TABLE quarantine (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_table text NOT NULL,
      key text NOT NULL,
      payload_json jsonb NOT NULL,
      reason_code text NOT NULL,
      message text NOT NULL,
      attempts integer NOT NULL DEFAULT 1,
      first_seen timestamptz NOT NULL DEFAULT now(),
      last_seen timestamptz NOT NULL DEFAULT now(),
      state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'redriven', 'resolved'))
    );
    CREATE UNIQUE INDEX quarantine_open ON quarantine (source_table, key, reason_code) WHERE state = 'open';
    CREATE INDEX quarantine_table_reason ON quarantine (source_table, reason_code, state);
    CREATE INDEX quarantine_state ON quarantine (state, id);
  `,
};
