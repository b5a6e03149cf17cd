import type { Migration } from './migration.js';

export const m004Diffs: Migration = {
  id: 4,
  description: 'diff aggregates (endpoint, field path, kind) for the gateway',
  sqlite: `
    CREATE TABLE diff_aggregates (
      endpoint TEXT NOT NULL,
      field_path TEXT NOT NULL,
      kind TEXT NOT NULL,
      count INTEGER NOT NULL,
      samples_json TEXT NOT NULL,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      PRIMARY KEY (endpoint, field_path, kind)
    );
  `,
  postgres: `
    CREATE TABLE diff_aggregates (
      endpoint text NOT NULL,
      field_path text NOT NULL,
      kind text NOT NULL,
      count bigint NOT NULL,
      samples_json jsonb NOT NULL,
      first_seen timestamptz NOT NULL DEFAULT now(),
      last_seen timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (endpoint, field_path, kind)
    );
  `,
};
