import type Database from 'better-sqlite3';
import type { DiffAggregate, DiffDelta, JsonValue } from '../types.js';
import * as v from '../validate.js';
import { toDiff, type DiffRow } from './rows.js';

/**
 * The response-diff aggregates' statements of the SQLite store (its `recordDiffs`, `listDiffs`, `clearDiffs`), kept
 * apart as the PostgreSQL store keeps its ledger's: the store validates, merges and holds the write lock.
 */

/** Adds merged deltas (one per endpoint, field and kind), keeping the newest `maxSamples` samples; inside a write. */
export function addDiffAggregates(db: Database.Database, merged: readonly DiffDelta[], maxSamples: number): void {
  const now = Date.now();
  const get = db.prepare('SELECT samples_json FROM diff_aggregates WHERE endpoint = ? AND field_path = ? AND kind = ?');
  const put = db.prepare(`INSERT INTO diff_aggregates (endpoint, field_path, kind, count, samples_json, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint, field_path, kind) DO UPDATE SET count = count + excluded.count,
    samples_json = excluded.samples_json, last_seen = excluded.last_seen`);
  for (const d of merged) {
    const cur = get.get(d.endpoint, d.fieldPath, d.kind) as { samples_json: string } | undefined;
    const samples = [...(cur ? (JSON.parse(cur.samples_json) as JsonValue[]) : []), ...(d.samples ?? [])].slice(-maxSamples);
    put.run(d.endpoint, d.fieldPath, d.kind, d.count, v.jsonText('recordDiffs: samples', samples), now, now);
  }
}

/** Every aggregate, or one endpoint's, most frequent first. */
export function diffAggregates(db: Database.Database, endpoint: string | undefined): DiffAggregate[] {
  const rows = (endpoint === undefined
    ? db.prepare('SELECT * FROM diff_aggregates ORDER BY endpoint, count DESC, field_path, kind').all()
    : db.prepare('SELECT * FROM diff_aggregates WHERE endpoint = ? ORDER BY count DESC, field_path, kind').all(endpoint)) as DiffRow[];
  return rows.map(toDiff);
}

/** Deletes every aggregate, or one endpoint's; how many went. */
export function deleteDiffAggregates(db: Database.Database, endpoint: string | undefined): number {
  return (endpoint === undefined
    ? db.prepare('DELETE FROM diff_aggregates').run()
    : db.prepare('DELETE FROM diff_aggregates WHERE endpoint = ?').run(endpoint)).changes;
}
