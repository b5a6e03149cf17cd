import { DEFAULT_STATE_SCHEMA } from '../part-target.js';
import pg from 'pg';
import { withPgTransaction } from '../../backends/postgres/transaction.js';
import { mergeDiffDeltas, quarantineSubject, routeSnapshot } from '../batch.js';
import { CheckpointConflictError, RouteNotFoundError, StateError, StateInputError, StateNotFoundError, StateOpenError } from '../errors.js';
import { MIGRATIONS, type Migration } from '../migrations/index.js';
import { auditFilter, quarantineFilter, toPgParams } from '../query-filters.js';
import { QUARANTINE_STATES } from '../types.js';
import type {
  AuditContext, AuditEntry, AuditInput, AuditQuery, DiffAggregate, DiffDelta, JsonValue, LedgerChangePage, LedgerChangesQuery,
  LedgerCount, LedgerEntry, LedgerPageQuery, LedgerStateChange, LedgerUpsert, LedgerUpsertResult, Page, QuarantineCount, QuarantineInput,
  QuarantineItem, QuarantineQuery, QuarantineState, Route, RouteChange, RouteInput, RouteTable, RouteWatchOptions,
  StateStore, Unsubscribe,
} from '../types.js';
import * as v from '../validate.js';
import * as ledger from './ledger.js';
import { migratePostgres } from './migrate.js';
import { watchPgRoutes } from './route-watch.js';
import {
  byteOrder, queryRows, toAudit, toDiff, toQuarantine, toRoute,
  type AuditRow, type DiffRow, type QuarantineRow, type RouteRow,
} from './rows.js';

export interface PostgresStateStoreOptions {
  /** Schema holding the tables; default `siphon_state`. Lower-case letters, digits and `_`. */
  readonly schema?: string;
  /** Pool size; default 4. */
  readonly poolSize?: number;
  /** For tests of the upgrade path: the migrations to apply (default: all). */
  readonly migrations?: readonly Migration[];
  /** Open an existing store only (StateNotFoundError otherwise); it is still brought to the code's schema version. */
  readonly mustExist?: boolean;
}

type Db = pg.Pool | pg.PoolClient;

/**
 * The shared state store on PostgreSQL, for several Siphon processes or hosts. Route table changes are also sent with
 * NOTIFY (inside the changing transaction, so delivered exactly at commit) for `watchRoutes`.
 */
export class PostgresStateStore implements StateStore {
  readonly kind = 'postgres' as const;
  private readonly unsubscribers = new Set<Unsubscribe>();
  private readonly s: string;
  private readonly channel: string;

  private constructor(
    private readonly pool: pg.Pool, private readonly config: pg.ClientConfig, schema: string, readonly location: string,
  ) {
    this.s = `"${schema}"`;
    this.channel = `siphon_routes_${schema}`.slice(0, 63);
  }

  static async open(config: pg.ClientConfig, location: string, options: PostgresStateStoreOptions = {}): Promise<PostgresStateStore> {
    const schema = options.schema ?? DEFAULT_STATE_SCHEMA;
    if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) throw new StateInputError('postgres state store schema', 'lower-case letters, digits and _ (at most 48)', schema);
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 4, application_name: 'siphon-state' });
    // an idle pooled connection that dies (server restart) must not crash the process; the next query reconnects
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        if (options.mustExist) {
          const found = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`"${schema}".schema_migrations`]);
          if (found.rows[0]?.t == null) throw new StateNotFoundError(location, `schema ${schema} holds no state store (no table ${schema}.schema_migrations)`);
        }
        await migratePostgres(client, schema, location, options.migrations ?? MIGRATIONS);
      } finally { client.release(); }
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e instanceof StateError ? e : new StateOpenError(location, e);
    }
    return new PostgresStateStore(pool, config, schema, location);
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return withPgTransaction(this.pool, fn);
  }

  async schemaVersion(): Promise<number> {
    return (await queryRows<{ v: number }>(this.pool, `SELECT max(id) AS v FROM ${this.s}.schema_migrations`))[0]!.v;
  }

  // ---------------------------------------------------------------------------------------------------- ledger (ledger.ts)
  upsertLedger(entries: readonly LedgerUpsert[]): Promise<LedgerUpsertResult> { return ledger.upsertLedger(this.pool, this.s, entries); }
  setLedgerState(changes: readonly LedgerStateChange[]): Promise<number> { return ledger.setLedgerState(this.pool, this.s, changes); }
  getLedger(entity: string, key: string): Promise<LedgerEntry | undefined> { return ledger.getLedger(this.pool, this.s, entity, key); }
  getLedgerMany(entity: string, keys: readonly string[]): Promise<LedgerEntry[]> { return ledger.getLedgerMany(this.pool, this.s, entity, keys); }
  listLedger(q: LedgerPageQuery): Promise<Page<LedgerEntry, string>> { return ledger.listLedger(this.pool, this.s, q); }
  ledgerCounts(entity?: string): Promise<LedgerCount[]> { return ledger.ledgerCounts(this.pool, this.s, entity); }
  ledgerChanges(q: LedgerChangesQuery): Promise<LedgerChangePage> { return ledger.ledgerChanges(this.pool, this.s, q); }

  // ---------------------------------------------------------------------------------------------------- routes

  /** One statement, so one snapshot: the routes are exactly the table at the version returned. */
  private async readRoutes(db: Db): Promise<RouteTable> {
    const r = await queryRows<RouteRow & { table_version: string }>(db, `
      SELECT rt.version AS table_version, r.* FROM ${this.s}.route_table rt LEFT JOIN ${this.s}.routes r ON true
      WHERE rt.id = 1 ORDER BY r.position`);
    return { version: Number(r[0]!.table_version), routes: r.filter((x) => x.id !== null).map(toRoute) };
  }

  private async bumpVersion(c: pg.PoolClient): Promise<number> {
    // the row lock taken here serialises route changes until commit
    const r = await queryRows<{ version: string }>(c, `UPDATE ${this.s}.route_table SET version = version + 1 WHERE id = 1 RETURNING version`);
    const version = Number(r[0]!.version);
    await c.query('SELECT pg_notify($1, $2)', [this.channel, String(version)]);
    return version;
  }

  async getRoutes(): Promise<RouteTable> {
    return this.readRoutes(this.pool);
  }

  async routeTableVersion(): Promise<number> {
    return Number((await queryRows<{ version: string }>(this.pool, `SELECT version FROM ${this.s}.route_table WHERE id = 1`))[0]!.version);
  }

  async setRoutes(routes: readonly RouteInput[], audit: AuditContext): Promise<RouteTable> {
    const checked = v.routeInputs('setRoutes: routes', routes);
    v.auditContext('setRoutes: audit', audit);
    return this.tx(async (c) => {
      const version = await this.bumpVersion(c);
      const before = (await this.readRoutes(c)).routes;
      await c.query(`DELETE FROM ${this.s}.routes`);
      for (const [i, r] of checked.entries()) {
        await c.query(`INSERT INTO ${this.s}.routes (id, position, match_json, mode, canary_percent, options_json)
          VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb)`, [r.id, i, JSON.stringify(r.match), r.mode, r.canaryPercent ?? 0, JSON.stringify(r.options ?? {})]);
      }
      const after = (await this.readRoutes(c)).routes;
      await this.insertAudit(c, {
        actor: audit.actor, action: audit.action ?? 'route.set', subject: 'routes', reason: audit.reason,
        before: { version: version - 1, routes: before.map(routeSnapshot) }, after: { version, routes: after.map(routeSnapshot) },
      });
      return { version, routes: after };
    });
  }

  async updateRoute(id: string, change: RouteChange, audit: AuditContext): Promise<{ version: number; route: Route }> {
    v.text('updateRoute: id', id, 200);
    v.routeChange('updateRoute: change', change);
    v.auditContext('updateRoute: audit', audit);
    return this.tx(async (c) => {
      const version = await this.bumpVersion(c);
      const cur = await queryRows<RouteRow>(c, `SELECT * FROM ${this.s}.routes WHERE id = $1`, [id]);
      if (!cur[0]) {
        const ids = await queryRows<{ id: string }>(c, `SELECT id FROM ${this.s}.routes ORDER BY position`);
        throw new RouteNotFoundError(id, ids.map((r) => r.id));
      }
      const before = toRoute(cur[0]);
      const upd = await queryRows<RouteRow>(c, `UPDATE ${this.s}.routes SET match_json = $2::jsonb, mode = $3, canary_percent = $4,
        options_json = $5::jsonb, updated_at = now() WHERE id = $1 RETURNING *`, [id, JSON.stringify(change.match ?? before.match),
        change.mode ?? before.mode, change.canaryPercent ?? before.canaryPercent, JSON.stringify(change.options ?? before.options)]);
      const route = toRoute(upd[0]!);
      await this.insertAudit(c, {
        actor: audit.actor, action: audit.action ?? 'route.update', subject: id, reason: audit.reason,
        before: { version: version - 1, route: routeSnapshot(before) }, after: { version, route: routeSnapshot(route) },
      });
      return { version, route };
    });
  }

  async watchRoutes(onChange: (version: number) => void, options: RouteWatchOptions = {}): Promise<Unsubscribe> {
    const stop = await watchPgRoutes({ client: this.config, channel: this.channel, readVersion: () => this.routeTableVersion() }, onChange, options);
    const unsubscribe: Unsubscribe = async () => { this.unsubscribers.delete(unsubscribe); await stop(); };
    this.unsubscribers.add(unsubscribe);
    return unsubscribe;
  }

  // ---------------------------------------------------------------------------------------------------- audit

  private async insertAudit(db: Db, a: AuditInput): Promise<AuditEntry> {
    const r = await queryRows<AuditRow>(db, `INSERT INTO ${this.s}.audit (actor, action, subject, before_json, after_json, reason)
      VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING *`, [a.actor, a.action, a.subject,
      a.before === undefined ? null : v.jsonText('audit.before', a.before),
      a.after === undefined ? null : v.jsonText('audit.after', a.after), a.reason ?? null]);
    return toAudit(r[0]!);
  }

  async appendAudit(entry: AuditInput): Promise<AuditEntry> {
    v.auditInput('appendAudit: entry', entry);
    return this.insertAudit(this.pool, entry);
  }

  async appendAudits(entries: readonly AuditInput[]): Promise<AuditEntry[]> {
    entries.forEach((e, i) => v.auditInput(`appendAudits: entries[${i}]`, e));
    if (entries.length === 0) return [];
    const json = (label: string, x: unknown) => (x === undefined ? null : v.jsonText(label, x));
    // one statement (aspire settles a chunk's entities together); ids in the order given
    const r = await queryRows<AuditRow>(this.pool, `INSERT INTO ${this.s}.audit (actor, action, subject, before_json, after_json, reason)
      SELECT actor, action, subject, b::jsonb, a::jsonb, reason FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
      WITH ORDINALITY AS u(actor, action, subject, b, a, reason, n) ORDER BY n RETURNING *`,
    [entries.map((e) => e.actor), entries.map((e) => e.action), entries.map((e) => e.subject), entries.map((e) => json('audit.before', e.before)),
      entries.map((e) => json('audit.after', e.after)), entries.map((e) => e.reason ?? null)]);
    return r.map(toAudit).sort((a, b) => a.id - b.id);
  }

  async listAudit(q: AuditQuery = {}): Promise<Page<AuditEntry, number>> {
    const f = auditFilter(q, (d) => d);
    const r = await queryRows<AuditRow>(this.pool, toPgParams(`SELECT * FROM ${this.s}.audit ${f.where} ORDER BY id DESC LIMIT ?`), [...f.params, f.limit + 1]);
    const items = r.slice(0, f.limit).map(toAudit);
    return { items, next: r.length > f.limit ? items[items.length - 1]!.id : null };
  }

  // ---------------------------------------------------------------------------------------------------- quarantine

  async addQuarantine(items: readonly QuarantineInput[]): Promise<QuarantineItem[]> {
    items.forEach((q, i) => v.quarantineInput(`addQuarantine: items[${i}]`, q));
    return this.tx(async (c) => {
      const out: QuarantineItem[] = [];
      for (const q of items) {
        const r = await queryRows<QuarantineRow>(c, `
          INSERT INTO ${this.s}.quarantine AS q (source_table, key, payload_json, reason_code, message)
          VALUES ($1, $2, $3::jsonb, $4, $5)
          ON CONFLICT (source_table, key, reason_code) WHERE state = 'open' DO UPDATE SET attempts = q.attempts + 1,
            payload_json = excluded.payload_json, message = excluded.message, last_seen = now()
          RETURNING *`, [q.sourceTable, q.key, JSON.stringify(q.payload), q.reasonCode, q.message]);
        out.push(toQuarantine(r[0]!));
      }
      return out;
    });
  }

  async getQuarantine(id: number): Promise<QuarantineItem | undefined> {
    const r = await queryRows<QuarantineRow>(this.pool, `SELECT * FROM ${this.s}.quarantine WHERE id = $1`, [v.idList('getQuarantine: id', [id])[0]]);
    return r[0] && toQuarantine(r[0]);
  }

  async listQuarantine(q: QuarantineQuery = {}): Promise<Page<QuarantineItem, number>> {
    const f = quarantineFilter(q);
    const r = await queryRows<QuarantineRow>(this.pool, toPgParams(`SELECT * FROM ${this.s}.quarantine ${f.where} ORDER BY id LIMIT ?`), [...f.params, f.limit + 1]);
    const items = r.slice(0, f.limit).map(toQuarantine);
    return { items, next: r.length > f.limit ? items[items.length - 1]!.id : null };
  }

  async markQuarantine(ids: readonly number[], state: Exclude<QuarantineState, 'open'>, audit: AuditContext): Promise<number> {
    const unique = v.idList('markQuarantine: ids', ids);
    v.quarantineTarget('markQuarantine: state', state);
    v.auditContext('markQuarantine: audit', audit);
    if (unique.length === 0) return 0;
    return this.tx(async (c) => {
      // the old state comes from the row as the UPDATE found it (the FROM self-join reads the pre-update row)
      const r = await queryRows<{ id: string; was: string }>(c, `UPDATE ${this.s}.quarantine q SET state = $1 FROM ${this.s}.quarantine o
        WHERE o.id = q.id AND q.id = ANY($2::bigint[]) AND q.state <> 'resolved' AND q.state <> $1 RETURNING q.id, o.state AS was`, [state, unique]);
      const rows = r.map((x) => ({ id: Number(x.id), was: x.was })).sort((a, b) => a.id - b.id);
      const changed = rows.map((x) => x.id);
      if (changed.length > 0) {
        await this.insertAudit(c, { actor: audit.actor, action: `quarantine.${state}`, subject: quarantineSubject(changed), reason: audit.reason,
          before: { ids: changed, states: rows.map((x) => x.was) }, after: { ids: changed, state } });
      }
      return changed.length;
    });
  }

  async quarantineCounts(filter: { state?: QuarantineState } = {}): Promise<QuarantineCount[]> {
    const state = filter.state === undefined ? null : v.oneOf('quarantineCounts: state', filter.state, QUARANTINE_STATES);
    const r = await queryRows<{ source_table: string; reason_code: string; state: QuarantineState; count: string }>(this.pool,
      `SELECT source_table, reason_code, state, count(*) AS count FROM ${this.s}.quarantine WHERE ($1::text IS NULL OR state = $1)
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, [state]);
    return r.map((x) => ({ sourceTable: x.source_table, reasonCode: x.reason_code, state: x.state, count: Number(x.count) }));
  }

  // ---------------------------------------------------------------------------------------------------- checkpoints

  async getCheckpoint(name: string): Promise<string | null> {
    const r = await queryRows<{ position: string }>(this.pool, `SELECT position FROM ${this.s}.checkpoints WHERE name = $1`, [v.text('getCheckpoint: name', name, 500)]);
    return r[0]?.position ?? null;
  }

  /** One statement each way (insert-if-absent or update-if-equal), atomic without an explicit lock. */
  async saveCheckpoint(name: string, expected: string | null, next: string): Promise<void> {
    v.text('saveCheckpoint: name', name, 500);
    if (expected !== null) v.text('saveCheckpoint: expected', expected);
    v.text('saveCheckpoint: next', next);
    const r = expected === null
      ? await this.pool.query(`INSERT INTO ${this.s}.checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, next])
      : await this.pool.query(`UPDATE ${this.s}.checkpoints SET position = $3, updated_at = now() WHERE name = $1 AND position = $2`, [name, expected, next]);
    if ((r.rowCount ?? 0) === 0) throw new CheckpointConflictError(name, expected, await this.getCheckpoint(name));
  }

  async listCheckpoints(): Promise<{ name: string; position: string; updatedAt: Date }[]> {
    const r = await queryRows<{ name: string; position: string; updated_at: Date }>(this.pool, `SELECT * FROM ${this.s}.checkpoints ORDER BY name`);
    return r.map((x) => ({ name: x.name, position: x.position, updatedAt: x.updated_at }));
  }

  // ---------------------------------------------------------------------------------------------------- settings

  async getSetting(key: string): Promise<JsonValue | undefined> {
    const r = await queryRows<{ value: JsonValue }>(this.pool, `SELECT value FROM ${this.s}.settings WHERE key = $1`, [v.text('getSetting: key', key, 500)]);
    return r.length === 0 ? undefined : r[0]!.value;
  }

  async setSetting(key: string, value: JsonValue, audit?: AuditContext): Promise<void> {
    const json = v.jsonText(`setSetting: ${key}`, value);
    v.text('setSetting: key', key, 500);
    const upsert = `INSERT INTO ${this.s}.settings (key, value) VALUES ($1, $2::jsonb)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`;
    if (!audit) { await this.pool.query(upsert, [key, json]); return; }
    v.auditContext('setSetting: audit', audit);
    await this.tx(async (c) => {
      // FOR UPDATE: two operators changing the same setting get each other's value as their "before"
      const cur = await queryRows<{ value: JsonValue }>(c, `SELECT value FROM ${this.s}.settings WHERE key = $1 FOR UPDATE`, [key]);
      await c.query(upsert, [key, json]);
      await this.insertAudit(c, { actor: audit.actor, action: audit.action ?? 'setting.set', subject: key, reason: audit.reason,
        before: cur[0]?.value ?? null, after: value });
    });
  }

  async deleteSetting(key: string): Promise<boolean> {
    return ((await this.pool.query(`DELETE FROM ${this.s}.settings WHERE key = $1`, [v.text('deleteSetting: key', key, 500)])).rowCount ?? 0) > 0;
  }

  // ---------------------------------------------------------------------------------------------------- diffs

  async recordDiffs(deltas: readonly DiffDelta[], maxSamples = 5): Promise<void> {
    deltas.forEach((d, i) => v.diffDelta(`recordDiffs: deltas[${i}]`, d));
    v.limit('recordDiffs: maxSamples', maxSamples, 5, 1000);
    const merged = mergeDiffDeltas(deltas).sort((a, b) => byteOrder(`${a.endpoint}\u0000${a.fieldPath}\u0000${a.kind}`, `${b.endpoint}\u0000${b.fieldPath}\u0000${b.kind}`));
    if (merged.length === 0) return;
    // the sample window is trimmed in SQL, so concurrent gateway processes never lose each other's counts
    const latest = (expr: string) => `(SELECT COALESCE(jsonb_agg(e ORDER BY o), '[]'::jsonb) FROM
      (SELECT e, o FROM jsonb_array_elements(${expr}) WITH ORDINALITY AS t(e, o) ORDER BY o DESC LIMIT $6) w)`;
    await this.tx(async (c) => {
      for (const d of merged) {
        await c.query(`INSERT INTO ${this.s}.diff_aggregates AS d (endpoint, field_path, kind, count, samples_json)
          VALUES ($1, $2, $3, $4, ${latest('$5::jsonb')})
          ON CONFLICT (endpoint, field_path, kind) DO UPDATE SET count = d.count + excluded.count, last_seen = now(),
            samples_json = ${latest('d.samples_json || excluded.samples_json')}`,
        [d.endpoint, d.fieldPath, d.kind, d.count, v.jsonText('recordDiffs: samples', d.samples ?? []), maxSamples]);
      }
    });
  }

  async listDiffs(filter: { endpoint?: string } = {}): Promise<DiffAggregate[]> {
    const r = await queryRows<DiffRow>(this.pool, `SELECT * FROM ${this.s}.diff_aggregates WHERE ($1::text IS NULL OR endpoint = $1)
      ORDER BY endpoint, count DESC, field_path, kind`, [filter.endpoint ?? null]);
    return r.map(toDiff);
  }

  async clearDiffs(filter: { endpoint?: string } = {}): Promise<number> {
    const r = await this.pool.query(`DELETE FROM ${this.s}.diff_aggregates WHERE ($1::text IS NULL OR endpoint = $1)`, [filter.endpoint ?? null]);
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    for (const u of [...this.unsubscribers]) await u();
    await this.pool.end();
  }
}

