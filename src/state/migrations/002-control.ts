import type { Migration } from './migration.js';

// The route table version lives in a one-row table: bumping it row-locks that row, which serialises concurrent route
// changes. The audit trail is append-only, enforced by triggers rather than by convention.
export const m002Control: Migration = {
  id: 2,
  description: 'route table with version, audit trail (append-only)',
  sqlite: `
    CREATE TABLE route_table (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
    INSERT INTO route_table (id, version) VALUES (1, 0);
    CREATE TABLE routes (
      id TEXT PRIMARY KEY,
      position INTEGER NOT NULL,
      match_json TEXT NOT NULL,
      mode TEXT NOT NULL CHECK (mode IN ('legacy', 'shadow', 'canary', 'next', 'owner')),
      canary_percent REAL NOT NULL,
      options_json TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE TABLE audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      subject TEXT NOT NULL,
      before_json TEXT,
      after_json TEXT,
      reason TEXT
    );
    CREATE INDEX audit_subject ON audit (subject, id);
    CREATE INDEX audit_action ON audit (action, id);
    CREATE INDEX audit_at ON audit (at);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
  `,
  postgres: `
    CREATE TABLE route_table (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
    INSERT INTO route_table (id, version) VALUES (1, 0);
    CREATE TABLE routes (
      id text PRIMARY KEY,
      position integer NOT NULL,
      match_json jsonb NOT NULL,
      mode text NOT NULL CHECK (mode IN ('legacy', 'shadow', 'canary', 'next', 'owner')),
      canary_percent double precision NOT NULL,
      options_json jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE audit (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      actor text NOT NULL,
      action text NOT NULL,
      subject text NOT NULL,
      before_json jsonb,
      after_json jsonb,
      reason text
    );
    CREATE INDEX audit_subject ON audit (subject, id);
    CREATE INDEX audit_action ON audit (action, id);
    CREATE INDEX audit_at ON audit (at);
    CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit trail is append-only'; END $$;
    CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
  `,
};
