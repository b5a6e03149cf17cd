import type { Migration } from './migration.js';

/**
 * Canary analysis (src/control/analysis): the gateways' per-route counts per time bucket (one row per process, route
 * and bucket, pruned after a retention period), which processes flushed up to when, the canary runs (one per route)
 * and their verdict history with the raw figures. Times are epoch milliseconds on both engines (the judge reasons in
 * aligned ms buckets). Numbered 31, away from the migrations written in parallel: it only adds tables.
 */
export const m031Analysis: Migration = {
  id: 31,
  description: 'canary analysis: route_stats, stats sources, canary runs and verdicts',
  sqlite: `
    CREATE TABLE route_stats (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      route_id TEXT NOT NULL,
      bucket_start INTEGER NOT NULL,
      bucket_ms INTEGER NOT NULL,
      source TEXT NOT NULL,
      legacy_requests INTEGER NOT NULL,
      legacy_errors INTEGER NOT NULL,
      legacy_latency_json TEXT NOT NULL,
      next_requests INTEGER NOT NULL,
      next_errors INTEGER NOT NULL,
      next_latency_json TEXT NOT NULL,
      fallbacks INTEGER NOT NULL,
      compared INTEGER NOT NULL,
      real_diffs INTEGER NOT NULL
    );
    CREATE INDEX route_stats_bucket ON route_stats (bucket_start, route_id);
    CREATE TABLE route_stats_sources (source TEXT PRIMARY KEY, flushed_until INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    CREATE TABLE canary_runs (
      route_id TEXT PRIMARY KEY,
      status TEXT NOT NULL CHECK (status IN ('progressing', 'waiting', 'promoted', 'rolled-back', 'aborted')),
      step_index INTEGER NOT NULL,
      passes INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      approved_index INTEGER NOT NULL,
      policy_json TEXT NOT NULL,
      window_end INTEGER NOT NULL,
      revision INTEGER NOT NULL,
      started_at INTEGER NOT NULL,
      started_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      last_reason TEXT
    );
    CREATE TABLE canary_verdicts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      route_id TEXT NOT NULL,
      at INTEGER NOT NULL,
      window_start INTEGER NOT NULL,
      window_end INTEGER NOT NULL,
      step_index INTEGER NOT NULL,
      percent REAL NOT NULL,
      pass INTEGER NOT NULL,
      failed TEXT NOT NULL,
      action TEXT NOT NULL,
      checks_json TEXT NOT NULL,
      figures_json TEXT NOT NULL
    );
    CREATE INDEX canary_verdicts_route ON canary_verdicts (route_id, id);
  `,
  postgres: `
    CREATE TABLE route_stats (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      route_id text NOT NULL,
      bucket_start bigint NOT NULL,
      bucket_ms integer NOT NULL,
      source text NOT NULL,
      legacy_requests bigint NOT NULL,
      legacy_errors bigint NOT NULL,
      legacy_latency_json jsonb NOT NULL,
      next_requests bigint NOT NULL,
      next_errors bigint NOT NULL,
      next_latency_json jsonb NOT NULL,
      fallbacks bigint NOT NULL,
      compared bigint NOT NULL,
      real_diffs bigint NOT NULL
    );
    CREATE INDEX route_stats_bucket ON route_stats (bucket_start, route_id);
    CREATE TABLE route_stats_sources (source text PRIMARY KEY, flushed_until bigint NOT NULL, updated_at bigint NOT NULL);
    CREATE TABLE canary_runs (
      route_id text PRIMARY KEY,
      status text NOT NULL CHECK (status IN ('progressing', 'waiting', 'promoted', 'rolled-back', 'aborted')),
      step_index integer NOT NULL,
      passes integer NOT NULL,
      failures integer NOT NULL,
      approved_index integer NOT NULL,
      policy_json jsonb NOT NULL,
      window_end bigint NOT NULL,
      revision bigint NOT NULL,
      started_at bigint NOT NULL,
      started_by text NOT NULL,
      updated_at bigint NOT NULL,
      last_reason text
    );
    CREATE TABLE canary_verdicts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      route_id text NOT NULL,
      at bigint NOT NULL,
      window_start bigint NOT NULL,
      window_end bigint NOT NULL,
      step_index integer NOT NULL,
      percent double precision NOT NULL,
      pass boolean NOT NULL,
      failed text NOT NULL,
      action text NOT NULL,
      checks_json jsonb NOT NULL,
      figures_json jsonb NOT NULL
    );
    CREATE INDEX canary_verdicts_route ON canary_verdicts (route_id, id);
  `,
};
