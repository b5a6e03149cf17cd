import { existsSync } from 'node:fs';
import { ensurePrivateFile } from '../../backends/sqlite/private-file.js';
import Database from 'better-sqlite3';
import { mergeDiffDeltas, newestPerKey, quarantineSubject, routeSnapshot } from '../batch.js';
import { CheckpointConflictError, RouteNotFoundError, StateError, StateInputError, StateNotFoundError, StateOpenError } from '../errors.js';
import { MIGRATIONS, type Migration } from '../migrations/index.js';
import { auditFilter, quarantineFilter } from '../query-filters.js';
import { LEDGER_STATES, QUARANTINE_STATES } from '../types.js';
import type {
  AuditContext, AuditEntry, AuditInput, AuditQuery, DiffAggregate, DiffDelta, JsonValue, LedgerChangePage, LedgerChangesQuery,
  LedgerCount, LedgerEntry, LedgerPageQuery, LedgerStateChange, LedgerUpsert, LedgerUpsertResult, Page, QuarantineCount,
  QuarantineInput, QuarantineItem, QuarantineQuery, QuarantineState, Route, RouteChange, RouteInput, RouteTable,
  RouteWatchOptions, StateStore, Unsubscribe,
} from '../types.js';
import * as v from '../validate.js';
import { migrateSqlite } from './migrate.js';
import { addDiffAggregates, deleteDiffAggregates, diffAggregates } from './diffs.js';
import {
  toAudit, toLedger, toQuarantine, toRoute,
  type AuditRow, type LedgerRow, type QuarantineRow, type RouteRow,
} from './rows.js';

export interface SqliteStateStoreOptions {
  /** How long to wait for another process's write lock before failing (ms). Default 10 s. */
  readonly busyTimeoutMs?: number;
  /** For tests of the upgrade path: the migrations to apply (default: all). */
  readonly migrations?: readonly Migration[];
  /** Open an existing store only (StateNotFoundError otherwise); it is still brought to the code's schema version. */
  readonly mustExist?: boolean;
}

/**
 * The embedded state store: one SQLite file in WAL mode (readers never block the writer; several processes may open
 * it). better-sqlite3 is synchronous; the async methods keep the interface identical to PostgreSQL's. Every write
 * runs in BEGIN IMMEDIATE so a read-then-write transaction never fails on a lock upgrade.
 */
export class SqliteStateStore implements StateStore {
  readonly kind = 'sqlite' as const;
  private readonly watchers = new Set<ReturnType<typeof setInterval>>();

  private constructor(private readonly db: Database.Database, readonly location: string) {}

  static async open(path: string, options: SqliteStateStoreOptions = {}): Promise<SqliteStateStore> {
    const location = `sqlite:${path}`;
    const mustExist = options.mustExist === true && path !== ':memory:';
    if (mustExist && !existsSync(path)) throw new StateNotFoundError(location, 'the file does not exist');
    let db: Database.Database;
    try {
      if (path !== ':memory:' && !mustExist) ensurePrivateFile(path);
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 10_000, fileMustExist: mustExist });
    } catch (e) {
      throw new StateOpenError(location, e);
    }
    try {
      if (mustExist && !db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()) {
        throw new StateNotFoundError(location, 'the file holds no Siphon state store (no schema_migrations table)');
      }
      db.pragma('journal_mode = WAL');
      migrateSqlite(db, location, options.migrations ?? MIGRATIONS);
      return new SqliteStateStore(db, location);
    } catch (e) {
      db.close();
      throw e instanceof StateError ? e : new StateOpenError(location, e);
    }
  }

  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  async schemaVersion(): Promise<number> {
    return (this.db.prepare('SELECT max(id) AS v FROM schema_migrations').get() as { v: number }).v;
  }

  // ---------------------------------------------------------------------------------------------------- ledger

  async upsertLedger(entries: readonly LedgerUpsert[]): Promise<LedgerUpsertResult> {
    const checked = entries.map((e, i) => v.ledgerUpsert(`upsertLedger: entries[${i}]`, e));
    const { entries: unique, dropped } = newestPerKey(checked);
    const stmt = this.db.prepare(`
      INSERT INTO ledger (entity, key, state, version, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (entity, key) DO UPDATE SET state = excluded.state, version = excluded.version,
        origin = excluded.origin, updated_at = excluded.updated_at
      WHERE excluded.version > ledger.version`);
    const applied = this.write(() => {
      const now = Date.now();
      let n = 0;
      for (const e of unique) n += stmt.run(e.entity, e.key, e.state, e.version, e.origin, now, now).changes;
      return n;
    });
    return { applied, stale: unique.length - applied + dropped };
  }

  async setLedgerState(changes: readonly LedgerStateChange[]): Promise<number> {
    changes.forEach((c, i) => v.ledgerStateChange(`setLedgerState: changes[${i}]`, c));
    return this.write(() => {
      const now = Date.now();
      let n = 0;
      for (const c of changes) {
        const conds = ['entity = ?', 'key = ?'];
        const params: unknown[] = [c.state, now, c.entity, c.key];
        if (c.ifVersion !== undefined) { conds.push('version = ?'); params.push(c.ifVersion); }
        if (c.ifState !== undefined) { conds.push(`state IN (${c.ifState.map(() => '?').join(', ')})`); params.push(...c.ifState); }
        n += this.db.prepare(`UPDATE ledger SET state = ?, updated_at = ? WHERE ${conds.join(' AND ')}`).run(...params).changes;
      }
      return n;
    });
  }

  async getLedger(entity: string, key: string): Promise<LedgerEntry | undefined> {
    const r = this.db.prepare('SELECT * FROM ledger WHERE entity = ? AND key = ?').get(v.text('getLedger: entity', entity), v.text('getLedger: key', key)) as LedgerRow | undefined;
    return r && toLedger(r);
  }

  async getLedgerMany(entity: string, keys: readonly string[]): Promise<LedgerEntry[]> {
    v.text('getLedgerMany: entity', entity);
    keys.forEach((k, i) => v.text(`getLedgerMany: keys[${i}]`, k));
    const rows = this.db.prepare('SELECT * FROM ledger WHERE entity = ? AND key IN (SELECT value FROM json_each(?)) ORDER BY key')
      .all(entity, JSON.stringify(keys)) as LedgerRow[];
    return rows.map(toLedger);
  }

  async listLedger(q: LedgerPageQuery): Promise<Page<LedgerEntry, string>> {
    const n = v.limit('listLedger: limit', q.limit, 1000, 10_000);
    const params: unknown[] = [v.text('listLedger: entity', q.entity)];
    let sql = 'SELECT * FROM ledger WHERE entity = ?';
    if (q.after !== undefined) { sql += ' AND key > ?'; params.push(v.text('listLedger: after', q.after)); }
    if (q.state !== undefined) { sql += ' AND state = ?'; params.push(v.oneOf('listLedger: state', q.state, LEDGER_STATES)); }
    const rows = this.db.prepare(`${sql} ORDER BY key LIMIT ?`).all(...params, n + 1) as LedgerRow[];
    const items = rows.slice(0, n).map(toLedger);
    return { items, next: rows.length > n ? items[items.length - 1]!.key : null };
  }

  async ledgerCounts(entity?: string): Promise<LedgerCount[]> {
    const rows = (entity === undefined
      ? this.db.prepare('SELECT entity, state, count(*) AS count FROM ledger GROUP BY entity, state ORDER BY entity, state').all()
      : this.db.prepare('SELECT entity, state, count(*) AS count FROM ledger WHERE entity = ? GROUP BY entity, state ORDER BY state').all(v.text('ledgerCounts: entity', entity))) as LedgerCount[];
    return rows.map((r) => ({ entity: r.entity, state: r.state, count: Number(r.count) }));
  }

  async ledgerChanges(q: LedgerChangesQuery): Promise<LedgerChangePage> {
    const n = v.limit('ledgerChanges: limit', q.limit, 1000, 10_000);
    const after = q.after === null ? 0 : Number(q.after);
    if (!Number.isSafeInteger(after) || after < 0) throw new StateInputError('ledgerChanges: after', 'a cursor of this SQLite store', q.after);
    // One read transaction (better-sqlite3 runs a statement in one snapshot); commit order = seq order (see m030).
    const rows = this.db.prepare('SELECT * FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?').all(after, n + 1) as (LedgerRow & { seq: number })[];
    const page = rows.slice(0, n);
    return { items: page.map(toLedger), cursor: page.length ? String(page[page.length - 1]!.seq) : String(after), more: rows.length > n };
  }

  // ---------------------------------------------------------------------------------------------------- routes

  private readRoutes(): RouteTable {
    return this.db.transaction(() => ({
      version: this.readVersion(),
      routes: (this.db.prepare('SELECT * FROM routes ORDER BY position').all() as RouteRow[]).map(toRoute),
    }))();
  }

  private readVersion(): number {
    return (this.db.prepare('SELECT version FROM route_table WHERE id = 1').get() as { version: number }).version;
  }

  private bumpVersion(): number {
    return (this.db.prepare('UPDATE route_table SET version = version + 1 WHERE id = 1 RETURNING version').get() as { version: number }).version;
  }

  async getRoutes(): Promise<RouteTable> {
    return this.readRoutes();
  }

  async routeTableVersion(): Promise<number> {
    return this.readVersion();
  }

  async setRoutes(routes: readonly RouteInput[], audit: AuditContext): Promise<RouteTable> {
    const checked = v.routeInputs('setRoutes: routes', routes);
    v.auditContext('setRoutes: audit', audit);
    return this.write(() => {
      const before = this.readRoutes().routes;
      const version = this.bumpVersion();
      const now = Date.now();
      this.db.prepare('DELETE FROM routes').run();
      const ins = this.db.prepare('INSERT INTO routes (id, position, match_json, mode, canary_percent, options_json, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
      checked.forEach((r, i) => ins.run(r.id, i, JSON.stringify(r.match), r.mode, r.canaryPercent ?? 0, JSON.stringify(r.options ?? {}), now));
      const after = this.readRoutes().routes;
      this.insertAudit({
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
    return this.write(() => {
      const row = this.db.prepare('SELECT * FROM routes WHERE id = ?').get(id) as RouteRow | undefined;
      if (!row) throw new RouteNotFoundError(id, (this.db.prepare('SELECT id FROM routes ORDER BY position').all() as { id: string }[]).map((r) => r.id));
      const before = toRoute(row);
      const version = this.bumpVersion();
      this.db.prepare('UPDATE routes SET match_json = ?, mode = ?, canary_percent = ?, options_json = ?, updated_at = ? WHERE id = ?').run(
        JSON.stringify(change.match ?? before.match), change.mode ?? before.mode, change.canaryPercent ?? before.canaryPercent,
        JSON.stringify(change.options ?? before.options), Date.now(), id);
      const route = toRoute(this.db.prepare('SELECT * FROM routes WHERE id = ?').get(id) as RouteRow);
      this.insertAudit({
        actor: audit.actor, action: audit.action ?? 'route.update', subject: id, reason: audit.reason,
        before: { version: version - 1, route: routeSnapshot(before) }, after: { version, route: routeSnapshot(route) },
      });
      return { version, route };
    });
  }

  /** SQLite has no notifications: poll the one-row version table (a cheap indexed read, also across processes). */
  async watchRoutes(onChange: (version: number) => void, options: RouteWatchOptions = {}): Promise<Unsubscribe> {
    let last = options.sinceVersion ?? this.readVersion();
    const poll = () => {
      try {
        const now = this.readVersion();
        if (now > last) { last = now; onChange(now); }
      } catch (e) { options.onError?.(e as Error); }
    };
    const timer = setInterval(poll, options.pollMs ?? 20);
    if (options.sinceVersion !== undefined) poll();
    this.watchers.add(timer);
    return async () => { clearInterval(timer); this.watchers.delete(timer); };
  }

  // ---------------------------------------------------------------------------------------------------- audit

  private insertAudit(a: AuditInput): AuditEntry {
    const row = this.db.prepare(`INSERT INTO audit (at, actor, action, subject, before_json, after_json, reason)
      VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`).get(
      Date.now(), a.actor, a.action, a.subject,
      a.before === undefined ? null : v.jsonText('audit.before', a.before),
      a.after === undefined ? null : v.jsonText('audit.after', a.after), a.reason ?? null) as AuditRow;
    return toAudit(row);
  }

  async appendAudit(entry: AuditInput): Promise<AuditEntry> {
    v.auditInput('appendAudit: entry', entry);
    return this.write(() => this.insertAudit(entry));
  }

  async appendAudits(entries: readonly AuditInput[]): Promise<AuditEntry[]> {
    entries.forEach((e, i) => v.auditInput(`appendAudits: entries[${i}]`, e));
    return entries.length === 0 ? [] : this.write(() => entries.map((e) => this.insertAudit(e)));
  }

  async listAudit(q: AuditQuery = {}): Promise<Page<AuditEntry, number>> {
    const f = auditFilter(q, (d) => d.getTime());
    const rows = this.db.prepare(`SELECT * FROM audit ${f.where} ORDER BY id DESC LIMIT ?`).all(...f.params, f.limit + 1) as AuditRow[];
    const items = rows.slice(0, f.limit).map(toAudit);
    return { items, next: rows.length > f.limit ? items[items.length - 1]!.id : null };
  }

  // ---------------------------------------------------------------------------------------------------- quarantine

  async addQuarantine(items: readonly QuarantineInput[]): Promise<QuarantineItem[]> {
    items.forEach((q, i) => v.quarantineInput(`addQuarantine: items[${i}]`, q));
    const stmt = this.db.prepare(`
      INSERT INTO quarantine (source_table, key, payload_json, reason_code, message, attempts, first_seen, last_seen, state)
      VALUES (?, ?, ?, ?, ?, 1, ?, ?, 'open')
      ON CONFLICT (source_table, key, reason_code) WHERE state = 'open' DO UPDATE SET attempts = attempts + 1,
        payload_json = excluded.payload_json, message = excluded.message, last_seen = excluded.last_seen
      RETURNING *`);
    return this.write(() => {
      const now = Date.now();
      return items.map((q) => toQuarantine(stmt.get(q.sourceTable, q.key, JSON.stringify(q.payload), q.reasonCode, q.message, now, now) as QuarantineRow));
    });
  }

  async getQuarantine(id: number): Promise<QuarantineItem | undefined> {
    const r = this.db.prepare('SELECT * FROM quarantine WHERE id = ?').get(v.idList('getQuarantine: id', [id])[0]) as QuarantineRow | undefined;
    return r && toQuarantine(r);
  }

  async listQuarantine(q: QuarantineQuery = {}): Promise<Page<QuarantineItem, number>> {
    const f = quarantineFilter(q);
    const rows = this.db.prepare(`SELECT * FROM quarantine ${f.where} ORDER BY id LIMIT ?`).all(...f.params, f.limit + 1) as QuarantineRow[];
    const items = rows.slice(0, f.limit).map(toQuarantine);
    return { items, next: rows.length > f.limit ? items[items.length - 1]!.id : null };
  }

  async markQuarantine(ids: readonly number[], state: Exclude<QuarantineState, 'open'>, audit: AuditContext): Promise<number> {
    const unique = v.idList('markQuarantine: ids', ids);
    v.quarantineTarget('markQuarantine: state', state);
    v.auditContext('markQuarantine: audit', audit);
    if (unique.length === 0) return 0;
    return this.write(() => {
      const cur = this.db.prepare('SELECT state FROM quarantine WHERE id = ?');
      const upd = this.db.prepare("UPDATE quarantine SET state = ? WHERE id = ? AND state <> 'resolved' AND state <> ? RETURNING id");
      const changed: number[] = [], was: string[] = [];
      for (const id of unique) {
        const before = (cur.get(id) as { state: string } | undefined)?.state;
        if (upd.get(state, id, state) !== undefined) { changed.push(id); was.push(before!); }
      }
      if (changed.length > 0) {
        this.insertAudit({ actor: audit.actor, action: `quarantine.${state}`, subject: quarantineSubject(changed), reason: audit.reason,
          before: { ids: changed, states: was }, after: { ids: changed, state } });
      }
      return changed.length;
    });
  }

  async quarantineCounts(filter: { state?: QuarantineState } = {}): Promise<QuarantineCount[]> {
    const rows = (filter.state === undefined
      ? this.db.prepare('SELECT source_table, reason_code, state, count(*) AS count FROM quarantine GROUP BY 1, 2, 3 ORDER BY 1, 2, 3').all()
      : this.db.prepare('SELECT source_table, reason_code, state, count(*) AS count FROM quarantine WHERE state = ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3')
        .all(v.oneOf('quarantineCounts: state', filter.state, QUARANTINE_STATES))) as { source_table: string; reason_code: string; state: QuarantineState; count: number }[];
    return rows.map((r) => ({ sourceTable: r.source_table, reasonCode: r.reason_code, state: r.state, count: Number(r.count) }));
  }

  // ---------------------------------------------------------------------------------------------------- checkpoints

  async getCheckpoint(name: string): Promise<string | null> {
    const r = this.db.prepare('SELECT position FROM checkpoints WHERE name = ?').get(v.text('getCheckpoint: name', name, 500)) as { position: string } | undefined;
    return r?.position ?? null;
  }

  async saveCheckpoint(name: string, expected: string | null, next: string): Promise<void> {
    v.text('saveCheckpoint: name', name, 500);
    if (expected !== null) v.text('saveCheckpoint: expected', expected);
    v.text('saveCheckpoint: next', next);
    this.write(() => {
      const cur = this.db.prepare('SELECT position FROM checkpoints WHERE name = ?').get(name) as { position: string } | undefined;
      const actual = cur?.position ?? null;
      if (actual !== expected) throw new CheckpointConflictError(name, expected, actual);
      this.db.prepare(`INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`).run(name, next, Date.now());
    });
  }

  async listCheckpoints(): Promise<{ name: string; position: string; updatedAt: Date }[]> {
    const rows = this.db.prepare('SELECT * FROM checkpoints ORDER BY name').all() as { name: string; position: string; updated_at: number }[];
    return rows.map((r) => ({ name: r.name, position: r.position, updatedAt: new Date(r.updated_at) }));
  }

  // ---------------------------------------------------------------------------------------------------- settings

  async getSetting(key: string): Promise<JsonValue | undefined> {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(v.text('getSetting: key', key, 500)) as { value: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.value) as JsonValue);
  }

  async setSetting(key: string, value: JsonValue, audit?: AuditContext): Promise<void> {
    const json = v.jsonText(`setSetting: ${key}`, value);
    v.text('setSetting: key', key, 500);
    if (audit) v.auditContext('setSetting: audit', audit);
    this.write(() => {
      const cur = audit ? this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined : undefined;
      this.db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(key, json, Date.now());
      if (audit) {
        this.insertAudit({ actor: audit.actor, action: audit.action ?? 'setting.set', subject: key, reason: audit.reason,
          before: cur === undefined ? null : (JSON.parse(cur.value) as JsonValue), after: value });
      }
    });
  }

  async deleteSetting(key: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM settings WHERE key = ?').run(v.text('deleteSetting: key', key, 500)).changes > 0;
  }

  // ---------------------------------------------------------------------------------------------------- diffs

  async recordDiffs(deltas: readonly DiffDelta[], maxSamples = 5): Promise<void> {
    deltas.forEach((d, i) => v.diffDelta(`recordDiffs: deltas[${i}]`, d));
    v.limit('recordDiffs: maxSamples', maxSamples, 5, 1000);
    const merged = mergeDiffDeltas(deltas);
    this.write(() => addDiffAggregates(this.db, merged, maxSamples));
  }

  async listDiffs(filter: { endpoint?: string } = {}): Promise<DiffAggregate[]> {
    return diffAggregates(this.db, filter.endpoint);
  }

  async clearDiffs(filter: { endpoint?: string } = {}): Promise<number> {
    return deleteDiffAggregates(this.db, filter.endpoint);
  }

  async close(): Promise<void> {
    for (const t of this.watchers) clearInterval(t);
    this.watchers.clear();
    if (this.db.open) this.db.close();
  }
}
