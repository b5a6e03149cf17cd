import pg from 'pg';
import type { JsonValue } from '../types.js';
import type { StoredDifference, VerifyResultStore, VerifyRunRecord, VerifyRunStart, VerifyTableResult } from './types.js';

/** Verify's tables in the PostgreSQL state store's schema. */
export class PostgresVerifyResults implements VerifyResultStore {
  private readonly s: string;

  constructor(private readonly pool: pg.Pool, schema: string) {
    this.s = `"${schema}"`;
    pool.on('error', () => undefined);
  }

  async startRun(run: VerifyRunStart): Promise<number> {
    const r = await this.pool.query<{ id: string }>(`INSERT INTO ${this.s}.verify_runs (mode, scope) VALUES ($1, $2) RETURNING id`, [run.mode, run.scope]);
    return Number(r.rows[0]!.id);
  }

  async addDifferences(runId: number, ds: readonly StoredDifference[]): Promise<void> {
    if (ds.length === 0) return;
    // one statement per batch: unnest of parallel arrays; duplicates inside the batch keep the last one
    const last = new Map<string, StoredDifference>();
    for (const d of ds) last.set(`${d.nextTable}\u0000${d.keyText}`, d);
    const u = [...last.values()];
    await this.pool.query(`INSERT INTO ${this.s}.verify_differences (run_id, source_table, next_table, key_text, kind, legacy_key_json, columns_json)
      SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[])
      ON CONFLICT (run_id, next_table, key_text) DO UPDATE SET kind = excluded.kind, legacy_key_json = excluded.legacy_key_json,
        columns_json = excluded.columns_json, found_at = now()`,
    [runId, u.map((d) => d.sourceTable), u.map((d) => d.nextTable), u.map((d) => d.keyText), u.map((d) => d.kind), u.map((d) => JSON.stringify(d.legacyKey)), u.map((d) => JSON.stringify(d.columns))]);
  }

  async finishRun(runId: number, verdict: string, summary: JsonValue, tables: readonly Omit<VerifyTableResult, 'runId' | 'updatedAt'>[]): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`UPDATE ${this.s}.verify_runs SET finished_at = now(), verdict = $2, summary_json = $3 WHERE id = $1`, [runId, verdict, JSON.stringify(summary)]);
      for (const t of tables) {
        await c.query(`INSERT INTO ${this.s}.verify_tables (table_name, run_id, verdict, legacy_rows, matched, missing, extra, mismatched, quarantined, rechecked, compatibility)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (table_name) DO UPDATE SET run_id = excluded.run_id, verdict = excluded.verdict,
          legacy_rows = excluded.legacy_rows, matched = excluded.matched, missing = excluded.missing, extra = excluded.extra, mismatched = excluded.mismatched,
          quarantined = excluded.quarantined, rechecked = excluded.rechecked, compatibility = excluded.compatibility, updated_at = now()`,
        [t.table, runId, t.verdict, t.legacyRows, t.matched, t.missing, t.extra, t.mismatched, t.quarantined, t.rechecked, t.compatibility]);
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally { c.release(); }
  }

  async getRun(runId: number): Promise<VerifyRunRecord | undefined> {
    const r = (await this.pool.query(`SELECT * FROM ${this.s}.verify_runs WHERE id = $1`, [runId])).rows[0] as { id: string; mode: string; scope: string; started_at: Date; finished_at: Date | null; verdict: string | null; summary_json: JsonValue } | undefined;
    return r && { id: Number(r.id), mode: r.mode, scope: r.scope, startedAt: r.started_at, finishedAt: r.finished_at, verdict: r.verdict, summary: r.summary_json };
  }

  async listDifferences(runId: number, filter: { sourceTable?: string; limit?: number } = {}): Promise<StoredDifference[]> {
    const rows = (await this.pool.query(`SELECT * FROM ${this.s}.verify_differences WHERE run_id = $1 AND ($2::text IS NULL OR source_table = $2)
      ORDER BY source_table, next_table, key_text LIMIT $3`, [runId, filter.sourceTable ?? null, filter.limit ?? 1_000_000])).rows as { source_table: string; next_table: string; key_text: string; kind: string; legacy_key_json: JsonValue; columns_json: JsonValue }[];
    return rows.map((r) => ({ sourceTable: r.source_table, nextTable: r.next_table, keyText: r.key_text, kind: r.kind, legacyKey: r.legacy_key_json, columns: r.columns_json }));
  }

  async tableResults(): Promise<VerifyTableResult[]> {
    const rows = (await this.pool.query(`SELECT * FROM ${this.s}.verify_tables ORDER BY table_name`)).rows as { table_name: string; run_id: string; verdict: string; legacy_rows: string; matched: string; missing: string; extra: string; mismatched: string; quarantined: string; rechecked: string; compatibility: number; updated_at: Date }[];
    return rows.map((r) => ({
      table: r.table_name, runId: Number(r.run_id), verdict: r.verdict, legacyRows: Number(r.legacy_rows), matched: Number(r.matched), missing: Number(r.missing),
      extra: Number(r.extra), mismatched: Number(r.mismatched), quarantined: Number(r.quarantined), rechecked: Number(r.rechecked), compatibility: r.compatibility, updatedAt: r.updated_at,
    }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
