import Database from 'better-sqlite3';
import type { AuditInput } from '../../../state/types.js';
import type { RouteStatsRow } from '../figures.js';
import { CanaryStateError } from '../errors.js';
import { isActive } from '../judge.js';
import { RUN_COLUMNS, STATS_COLUMNS, statsValues, toRun, toStats, toVerdict, type RunDbRow, type StatsDbRow, type VerdictDbRow } from './rows.js';
import type { AnalysisStore, CanaryRun, NewCanaryRun, RunChange, StatsSource, StoredVerdict, VerdictInput } from './types.js';

/** Canary analysis's tables in the SQLite state file (WAL: the gateways' flushes and the analysis' reads don't block). */
export class SqliteAnalysisStore implements AnalysisStore {
  readonly kind = 'sqlite' as const;
  private constructor(private readonly db: Database.Database) {}

  /** The store must already be migrated (`openStateStore` does it). */
  static open(path: string): SqliteAnalysisStore {
    const db = new Database(path, { timeout: 10_000, fileMustExist: true });
    db.pragma('journal_mode = WAL');
    return new SqliteAnalysisStore(db);
  }

  async writeStats(rows: readonly RouteStatsRow[], source: string, flushedUntil: number): Promise<void> {
    const ins = this.db.prepare(`INSERT INTO route_stats (${STATS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const mark = this.db.prepare(`INSERT INTO route_stats_sources (source, flushed_until, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (source) DO UPDATE SET flushed_until = excluded.flushed_until, updated_at = excluded.updated_at`);
    this.db.transaction(() => {
      for (const r of rows) ins.run(...statsValues(r));
      mark.run(source, flushedUntil, Date.now());
    }).immediate();
  }

  async readStats(routes: readonly string[], from: number, to: number): Promise<RouteStatsRow[]> {
    if (routes.length === 0) return [];
    const rows = this.db.prepare(`SELECT * FROM route_stats WHERE bucket_start >= ? AND bucket_start < ?
      AND route_id IN (${routes.map(() => '?').join(', ')}) ORDER BY bucket_start, id`).all(from, to, ...routes) as StatsDbRow[];
    return rows.map(toStats);
  }

  async liveSources(since: number): Promise<StatsSource[]> {
    return (this.db.prepare('SELECT * FROM route_stats_sources WHERE updated_at >= ? ORDER BY source').all(since) as { source: string; flushed_until: number; updated_at: number }[])
      .map((r) => ({ source: r.source, flushedUntil: r.flushed_until, updatedAt: r.updated_at }));
  }

  async prune(before: number, keepVerdicts: number): Promise<number> {
    return this.db.transaction(() => {
      let n = this.db.prepare('DELETE FROM route_stats WHERE bucket_start < ?').run(before).changes;
      n += this.db.prepare('DELETE FROM route_stats_sources WHERE updated_at < ?').run(before).changes;
      n += this.db.prepare(`DELETE FROM canary_verdicts WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY route_id ORDER BY id DESC) AS k
        FROM canary_verdicts) WHERE k > ?)`).run(keepVerdicts).changes;
      return n;
    }).immediate();
  }

  async getRun(route: string): Promise<CanaryRun | undefined> {
    const r = this.db.prepare('SELECT * FROM canary_runs WHERE route_id = ?').get(route) as RunDbRow | undefined;
    return r && toRun(r);
  }

  async listRuns(): Promise<CanaryRun[]> {
    return (this.db.prepare('SELECT * FROM canary_runs ORDER BY route_id').all() as RunDbRow[]).map(toRun);
  }

  async createRun(run: NewCanaryRun): Promise<CanaryRun> {
    return this.db.transaction(() => {
      const old = this.db.prepare('SELECT * FROM canary_runs WHERE route_id = ?').get(run.route) as RunDbRow | undefined;
      if (old && isActive(toRun(old).status)) {
        throw new CanaryStateError(`route "${run.route}" already has a canary in progress (${old.status}, step ${old.step_index + 1}); abort it first`, run.route, old.status);
      }
      const now = Date.now();
      this.db.prepare(`INSERT INTO canary_runs (route_id, status, step_index, passes, failures, approved_index, policy_json, window_end,
        revision, started_at, started_by, updated_at, last_reason) VALUES (?, 'progressing', 0, 0, 0, -1, ?, ?, ?, ?, ?, ?, NULL)
        ON CONFLICT (route_id) DO UPDATE SET status = excluded.status, step_index = 0, passes = 0, failures = 0, approved_index = -1,
        policy_json = excluded.policy_json, window_end = excluded.window_end, revision = canary_runs.revision + 1,
        started_at = excluded.started_at, started_by = excluded.started_by, updated_at = excluded.updated_at, last_reason = NULL`)
        .run(run.route, JSON.stringify(run.policy), run.windowEnd, 1, now, run.startedBy, now);
      return toRun(this.db.prepare('SELECT * FROM canary_runs WHERE route_id = ?').get(run.route) as RunDbRow);
    }).immediate();
  }

  async updateRun(route: string, expectedRevision: number, change: RunChange, audit?: AuditInput): Promise<CanaryRun | undefined> {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const [field, column] of RUN_COLUMNS) {
      const v = change[field];
      if (v === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(v);
    }
    return this.db.transaction(() => {
      const r = this.db.prepare(`UPDATE canary_runs SET ${[...sets, 'revision = revision + 1', 'updated_at = ?'].join(', ')}
        WHERE route_id = ? AND revision = ? RETURNING *`).get(...values, Date.now(), route, expectedRevision) as RunDbRow | undefined;
      if (!r) return undefined;
      if (audit) {
        this.db.prepare(`INSERT INTO audit (at, actor, action, subject, before_json, after_json, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`)
          .run(Date.now(), audit.actor, audit.action, audit.subject, audit.before === undefined ? null : JSON.stringify(audit.before),
            audit.after === undefined ? null : JSON.stringify(audit.after), audit.reason ?? null);
      }
      return toRun(r);
    }).immediate();
  }

  async addVerdict(v: VerdictInput): Promise<void> {
    this.db.prepare(`INSERT INTO canary_verdicts (route_id, at, window_start, window_end, step_index, percent, pass, failed, action, checks_json, figures_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(v.route, Date.now(), v.windowStart, v.windowEnd, v.stepIndex, v.percent, v.pass ? 1 : 0,
      v.failed.join(','), v.action, JSON.stringify(v.checks), JSON.stringify(v.figures));
  }

  async listVerdicts(route: string, limit = 100): Promise<StoredVerdict[]> {
    return (this.db.prepare('SELECT * FROM canary_verdicts WHERE route_id = ? ORDER BY id DESC LIMIT ?').all(route, limit) as VerdictDbRow[]).map(toVerdict);
  }

  async close(): Promise<void> { this.db.close(); }
}
