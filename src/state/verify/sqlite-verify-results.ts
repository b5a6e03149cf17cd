import Database from 'better-sqlite3';
import type { JsonValue } from '../types.js';
import type { StoredDifference, VerifyResultStore, VerifyRunRecord, VerifyRunStart, VerifyTableResult } from './types.js';

type TableRow = { table_name: string; run_id: number; verdict: string; legacy_rows: number; matched: number; missing: number; extra: number; mismatched: number; quarantined: number; rechecked: number; compatibility: number; updated_at: number };

/** Verify's tables in the SQLite state file (WAL: readers such as the dashboard never block it). */
export class SqliteVerifyResults implements VerifyResultStore {
  private constructor(private readonly db: Database.Database) {}

  /** The store must already be migrated (`openStateStore` does it). */
  static open(path: string): SqliteVerifyResults {
    const db = new Database(path, { timeout: 10_000, fileMustExist: true });
    db.pragma('journal_mode = WAL');
    return new SqliteVerifyResults(db);
  }

  async startRun(run: VerifyRunStart): Promise<number> {
    return Number(this.db.prepare('INSERT INTO verify_runs (mode, scope, started_at) VALUES (?, ?, ?)').run(run.mode, run.scope, Date.now()).lastInsertRowid);
  }

  async addDifferences(runId: number, ds: readonly StoredDifference[]): Promise<void> {
    const stmt = this.db.prepare(`INSERT INTO verify_differences (run_id, source_table, next_table, key_text, kind, legacy_key_json, columns_json, found_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, next_table, key_text) DO UPDATE SET kind = excluded.kind,
      legacy_key_json = excluded.legacy_key_json, columns_json = excluded.columns_json, found_at = excluded.found_at`);
    this.db.transaction(() => {
      const now = Date.now();
      for (const d of ds) stmt.run(runId, d.sourceTable, d.nextTable, d.keyText, d.kind, JSON.stringify(d.legacyKey), JSON.stringify(d.columns), now);
    }).immediate();
  }

  async finishRun(runId: number, verdict: string, summary: JsonValue, tables: readonly Omit<VerifyTableResult, 'runId' | 'updatedAt'>[]): Promise<void> {
    const up = this.db.prepare(`INSERT INTO verify_tables (table_name, run_id, verdict, legacy_rows, matched, missing, extra, mismatched, quarantined, rechecked, compatibility, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (table_name) DO UPDATE SET run_id = excluded.run_id, verdict = excluded.verdict,
      legacy_rows = excluded.legacy_rows, matched = excluded.matched, missing = excluded.missing, extra = excluded.extra,
      mismatched = excluded.mismatched, quarantined = excluded.quarantined, rechecked = excluded.rechecked,
      compatibility = excluded.compatibility, updated_at = excluded.updated_at`);
    this.db.transaction(() => {
      const now = Date.now();
      this.db.prepare('UPDATE verify_runs SET finished_at = ?, verdict = ?, summary_json = ? WHERE id = ?').run(now, verdict, JSON.stringify(summary), runId);
      for (const t of tables) up.run(t.table, runId, t.verdict, t.legacyRows, t.matched, t.missing, t.extra, t.mismatched, t.quarantined, t.rechecked, t.compatibility, now);
    }).immediate();
  }

  async getRun(runId: number): Promise<VerifyRunRecord | undefined> {
    const r = this.db.prepare('SELECT * FROM verify_runs WHERE id = ?').get(runId) as { id: number; mode: string; scope: string; started_at: number; finished_at: number | null; verdict: string | null; summary_json: string | null } | undefined;
    if (!r) return undefined;
    return { id: r.id, mode: r.mode, scope: r.scope, startedAt: new Date(r.started_at), finishedAt: r.finished_at === null ? null : new Date(r.finished_at), verdict: r.verdict, summary: r.summary_json === null ? null : JSON.parse(r.summary_json) as JsonValue };
  }

  async listDifferences(runId: number, filter: { sourceTable?: string; limit?: number } = {}): Promise<StoredDifference[]> {
    const rows = this.db.prepare(`SELECT * FROM verify_differences WHERE run_id = ?${filter.sourceTable ? ' AND source_table = ?' : ''} ORDER BY source_table, next_table, key_text LIMIT ?`)
      .all(...[runId, ...(filter.sourceTable ? [filter.sourceTable] : []), filter.limit ?? 1_000_000]) as { source_table: string; next_table: string; key_text: string; kind: string; legacy_key_json: string | null; columns_json: string }[];
    return rows.map((r) => ({ sourceTable: r.source_table, nextTable: r.next_table, keyText: r.key_text, kind: r.kind, legacyKey: r.legacy_key_json === null ? null : JSON.parse(r.legacy_key_json) as JsonValue, columns: JSON.parse(r.columns_json) as JsonValue }));
  }

  async tableResults(): Promise<VerifyTableResult[]> {
    return (this.db.prepare('SELECT * FROM verify_tables ORDER BY table_name').all() as TableRow[]).map((r) => ({
      table: r.table_name, runId: r.run_id, verdict: r.verdict, legacyRows: r.legacy_rows, matched: r.matched, missing: r.missing, extra: r.extra,
      mismatched: r.mismatched, quarantined: r.quarantined, rechecked: r.rechecked, compatibility: r.compatibility, updatedAt: new Date(r.updated_at),
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
