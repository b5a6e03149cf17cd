import pg from 'pg';
import { withPgTransaction } from '../../../backends/postgres/transaction.js';
import type { AuditInput } from '../../../state/types.js';
import type { RouteStatsRow } from '../figures.js';
import { CanaryStateError } from '../errors.js';
import { isActive } from '../judge.js';
import { RUN_COLUMNS, STATS_COLUMNS, statsValues, toRun, toStats, toVerdict, type RunDbRow, type StatsDbRow, type VerdictDbRow } from './rows.js';
import type { AnalysisStore, CanaryRun, NewCanaryRun, RunChange, StatsSource, StoredVerdict, VerdictInput } from './types.js';

/** Canary analysis's tables in the PostgreSQL state store's schema. */
export class PostgresAnalysisStore implements AnalysisStore {
  readonly kind = 'postgres' as const;
  private readonly s: string;

  constructor(private readonly pool: pg.Pool, schema: string) {
    this.s = `"${schema.replace(/"/g, '""')}"`;
    pool.on('error', () => undefined); // an idle client's lost connection: the next query reconnects
  }

  async writeStats(rows: readonly RouteStatsRow[], source: string, flushedUntil: number): Promise<void> {
    await withPgTransaction(this.pool, async (c) => {
      if (rows.length > 0) {
        // one statement per flush: parallel arrays through unnest
        const cols = rows.map(statsValues);
        const arr = (i: number) => cols.map((r) => r[i]);
        await c.query(`INSERT INTO ${this.s}.route_stats (${STATS_COLUMNS}) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[],
          $5::bigint[], $6::bigint[], $7::jsonb[], $8::bigint[], $9::bigint[], $10::jsonb[], $11::bigint[], $12::bigint[], $13::bigint[])`,
        Array.from({ length: 13 }, (_, i) => arr(i)));
      }
      await c.query(`INSERT INTO ${this.s}.route_stats_sources (source, flushed_until, updated_at) VALUES ($1, $2, $3)
        ON CONFLICT (source) DO UPDATE SET flushed_until = excluded.flushed_until, updated_at = excluded.updated_at`, [source, flushedUntil, Date.now()]);
    });
  }

  async readStats(routes: readonly string[], from: number, to: number): Promise<RouteStatsRow[]> {
    if (routes.length === 0) return [];
    const r = await this.pool.query<StatsDbRow>(`SELECT * FROM ${this.s}.route_stats WHERE bucket_start >= $1 AND bucket_start < $2
      AND route_id = ANY($3::text[]) ORDER BY bucket_start, id`, [from, to, routes]);
    return r.rows.map(toStats);
  }

  async liveSources(since: number): Promise<StatsSource[]> {
    const r = await this.pool.query<{ source: string; flushed_until: string; updated_at: string }>(
      `SELECT * FROM ${this.s}.route_stats_sources WHERE updated_at >= $1 ORDER BY source`, [since]);
    return r.rows.map((x) => ({ source: x.source, flushedUntil: Number(x.flushed_until), updatedAt: Number(x.updated_at) }));
  }

  async prune(before: number, keepVerdicts: number): Promise<number> {
    return withPgTransaction(this.pool, async (c) => {
      let n = (await c.query(`DELETE FROM ${this.s}.route_stats WHERE bucket_start < $1`, [before])).rowCount ?? 0;
      n += (await c.query(`DELETE FROM ${this.s}.route_stats_sources WHERE updated_at < $1`, [before])).rowCount ?? 0;
      n += (await c.query(`DELETE FROM ${this.s}.canary_verdicts WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY route_id ORDER BY id DESC) AS k
        FROM ${this.s}.canary_verdicts) x WHERE k > $1)`, [keepVerdicts])).rowCount ?? 0;
      return n;
    });
  }

  async getRun(route: string): Promise<CanaryRun | undefined> {
    const r = await this.pool.query<RunDbRow>(`SELECT * FROM ${this.s}.canary_runs WHERE route_id = $1`, [route]);
    return r.rows[0] && toRun(r.rows[0]);
  }

  async listRuns(): Promise<CanaryRun[]> {
    return (await this.pool.query<RunDbRow>(`SELECT * FROM ${this.s}.canary_runs ORDER BY route_id`)).rows.map(toRun);
  }

  async createRun(run: NewCanaryRun): Promise<CanaryRun> {
    return withPgTransaction(this.pool, async (c) => {
      const old = (await c.query<RunDbRow>(`SELECT * FROM ${this.s}.canary_runs WHERE route_id = $1 FOR UPDATE`, [run.route])).rows[0];
      if (old && isActive(toRun(old).status)) {
        throw new CanaryStateError(`route "${run.route}" already has a canary in progress (${old.status}, step ${old.step_index + 1}); abort it first`, run.route, old.status);
      }
      const now = Date.now();
      const r = await c.query<RunDbRow>(`INSERT INTO ${this.s}.canary_runs (route_id, status, step_index, passes, failures, approved_index, policy_json,
        window_end, revision, started_at, started_by, updated_at, last_reason) VALUES ($1, 'progressing', 0, 0, 0, -1, $2::jsonb, $3, 1, $4, $5, $4, NULL)
        ON CONFLICT (route_id) DO UPDATE SET status = excluded.status, step_index = 0, passes = 0, failures = 0, approved_index = -1,
        policy_json = excluded.policy_json, window_end = excluded.window_end, revision = canary_runs.revision + 1,
        started_at = excluded.started_at, started_by = excluded.started_by, updated_at = excluded.updated_at, last_reason = NULL RETURNING *`,
      [run.route, JSON.stringify(run.policy), run.windowEnd, now, run.startedBy]);
      return toRun(r.rows[0]!);
    });
  }

  async updateRun(route: string, expectedRevision: number, change: RunChange, audit?: AuditInput): Promise<CanaryRun | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [field, column] of RUN_COLUMNS) {
      const v = change[field];
      if (v === undefined) continue;
      values.push(v);
      sets.push(`${column} = $${values.length}`);
    }
    values.push(Date.now(), route, expectedRevision);
    const n = values.length;
    return withPgTransaction(this.pool, async (c) => {
      const r = await c.query<RunDbRow>(`UPDATE ${this.s}.canary_runs SET ${[...sets, 'revision = revision + 1', `updated_at = $${n - 2}`].join(', ')}
        WHERE route_id = $${n - 1} AND revision = $${n} RETURNING *`, values);
      if (!r.rows[0]) return undefined;
      if (audit) {
        await c.query(`INSERT INTO ${this.s}.audit (actor, action, subject, before_json, after_json, reason) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)`,
          [audit.actor, audit.action, audit.subject, audit.before === undefined ? null : JSON.stringify(audit.before),
            audit.after === undefined ? null : JSON.stringify(audit.after), audit.reason ?? null]);
      }
      return toRun(r.rows[0]);
    });
  }

  async addVerdict(v: VerdictInput): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.s}.canary_verdicts (route_id, at, window_start, window_end, step_index, percent, pass, failed, action, checks_json, figures_json)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb)`, [v.route, Date.now(), v.windowStart, v.windowEnd, v.stepIndex, v.percent,
      v.pass, v.failed.join(','), v.action, JSON.stringify(v.checks), JSON.stringify(v.figures)]);
  }

  async listVerdicts(route: string, limit = 100): Promise<StoredVerdict[]> {
    const r = await this.pool.query<VerdictDbRow>(`SELECT * FROM ${this.s}.canary_verdicts WHERE route_id = $1 ORDER BY id DESC LIMIT $2`, [route, limit]);
    return r.rows.map(toVerdict);
  }

  async close(): Promise<void> { await this.pool.end(); }
}
