/**
 * The state store: Siphon's control data (ledger, route table, audit trail, quarantine, checkpoints, settings, diff
 * aggregates). One interface in parts (ledger, routes, audit, quarantine, checkpoints, settings, diffs; `StateStore` is
 * all of them), one adapter per engine (SQLite embedded by default, PostgreSQL for several processes or
 * hosts). Every method is async and speaks plain typed records: no driver type crosses this boundary.
 */

import { MODE_KINDS, type MatchCondition, type ModeKind, type RouteMatch } from '../routes/model.js';

export type { MatchCondition, ModeKind, RouteMatch };

/** JSON as stored in before/after, payloads, options and settings. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [k: string]: JsonValue };
export type JsonObject = { readonly [k: string]: JsonValue };

// ---------------------------------------------------------------------------------------------------------------
// Ledger

export const LEDGER_STATES = ['legacy', 'copied', 'verified', 'owned-by-next', 'quarantined'] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

export const LEDGER_ORIGINS = ['backfill', 'aspire', 'capture'] as const;
export type LedgerOrigin = (typeof LEDGER_ORIGINS)[number];

/**
 * One entity's line in the ledger. `version` is the source position of the last change applied for the entity, in
 * **sortable form**: byte-wise (UTF-8, C collation) order of two versions is the order of the positions. Build it
 * with the helpers of `version-order.ts` (`sortableLsn`, `sortableBinlog`, `sortableCounter`, `sortableTuple`); both
 * engines then compare versions inside SQL, so a batched upsert needs no round trip per key.
 */
export interface LedgerEntry {
  readonly entity: string;
  /** The entity key as text (`keyToText` of the root row's key). */
  readonly key: string;
  readonly state: LedgerState;
  readonly version: string;
  readonly origin: LedgerOrigin;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface LedgerUpsert {
  readonly entity: string;
  readonly key: string;
  readonly state: LedgerState;
  readonly version: string;
  readonly origin: LedgerOrigin;
}

export interface LedgerUpsertResult {
  /** Entries inserted or updated (their version was newer than the stored one, or the key was new). */
  readonly applied: number;
  /** Entries ignored because the stored version was equal or newer (duplicates inside the batch included). */
  readonly stale: number;
}

/** A state change at an unchanged version (verified, owned-by-next...). */
export interface LedgerStateChange {
  readonly entity: string;
  readonly key: string;
  readonly state: LedgerState;
  /** Only change the state when the stored version is exactly this one (compare-and-set against a newer apply). */
  readonly ifVersion?: string;
  /** Only change the state when the stored state is one of these. */
  readonly ifState?: readonly LedgerState[];
}

export interface LedgerPageQuery {
  readonly entity: string;
  /** Only keys strictly greater (byte-wise) than this one: pass the previous page's `nextAfter`. */
  readonly after?: string;
  readonly state?: LedgerState;
  /** Default 1000, at most 10000. */
  readonly limit?: number;
}

export interface Page<T, C> {
  readonly items: readonly T[];
  /** Cursor for the next page, or `null` when this page is the last one. */
  readonly next: C | null;
}

/**
 * Position in the ledger's change feed, opaque text (SQLite: a sequence number; PostgreSQL: transaction id and
 * sequence number). Only ever compared by the adapter that made it.
 */
export type LedgerCursor = string;

export interface LedgerChangesQuery {
  /** The `cursor` of the previous page; `null`: from the beginning (every line, once). */
  readonly after: LedgerCursor | null;
  /** Default 1000, at most 10000. */
  readonly limit?: number;
}

export interface LedgerChangePage {
  /** Lines written after `after`, in commit order; a line written twice since shows once, in its latest form. */
  readonly items: readonly LedgerEntry[];
  /** Pass it as `after` next time (unchanged when there was nothing new). */
  readonly cursor: LedgerCursor;
  /** More lines are ready now: ask again without waiting. */
  readonly more: boolean;
}

export interface LedgerCount {
  readonly entity: string;
  readonly state: LedgerState;
  readonly count: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Routes

// The route model (match, conditions, mode kinds) is `src/routes/model.ts`, shared with the gateway and the control
// plane. The store keeps a mode as its word (`ModeKind`) plus `canaryPercent`: the stored format of migration 002.
export const ROUTE_MODES = MODE_KINDS;

/** A route as given to `setRoutes`. Table order is match order (first match wins). */
export interface RouteInput {
  readonly id: string;
  readonly match: RouteMatch;
  readonly mode: ModeKind;
  /** Share of users sent to next in `canary` mode, 0..100 (two decimals: 10,000 buckets). Default 0. */
  readonly canaryPercent?: number;
  /** Free options for the gateway (user key for sticky canary, allow write shadowing, timeouts...). Default {}. */
  readonly options?: JsonObject;
}

export interface Route {
  readonly id: string;
  /** 0-based position in the table (match order). */
  readonly position: number;
  readonly match: RouteMatch;
  readonly mode: ModeKind;
  readonly canaryPercent: number;
  readonly options: JsonObject;
  readonly updatedAt: Date;
}

export interface RouteChange {
  readonly match?: RouteMatch;
  readonly mode?: ModeKind;
  readonly canaryPercent?: number;
  readonly options?: JsonObject;
}

/** The whole route table read in one transaction: `routes` is exactly the table at `version`. */
export interface RouteTable {
  readonly version: number;
  readonly routes: readonly Route[];
}

/** Who makes a control-plane change and why; the store writes the audit entry (with before/after) itself. */
export interface AuditContext {
  readonly actor: string;
  readonly reason?: string;
  /**
   * The audit action to record instead of the method's own (`route.set`, `route.update`), when the caller knows
   * better what the change is: a rollback records `route.rollback`. Every route action starts with `route.`, so
   * `--action 'route.*'` finds them all.
   */
  readonly action?: string;
}

export interface RouteWatchOptions {
  /**
   * Poll interval of the version (SQLite: the only mechanism, default 20 ms; PostgreSQL: a safety net behind
   * LISTEN/NOTIFY for notifications lost while reconnecting, default 1000 ms).
   */
  readonly pollMs?: number;
  /**
   * The version the caller already has (e.g. from a `getRoutes()` done before subscribing): if the table has moved
   * past it by the time the watch is in place, `onChange` is called at once, so nothing slips between load and watch.
   * Default: the version at subscription.
   */
  readonly sinceVersion?: number;
  /** Errors of the watcher (connection lost...). It keeps retrying; default: ignored. */
  readonly onError?: (error: Error) => void;
}

export type Unsubscribe = () => Promise<void>;

// ---------------------------------------------------------------------------------------------------------------
// Audit

export interface AuditInput {
  readonly actor: string;
  /** What was done, dotted: `route.set`, `route.update`, `route.rollback`, `quarantine.redrive`, `canary.rollback`... */
  readonly action: string;
  /** What it was done to: a route id, a table, an entity key... */
  readonly subject: string;
  readonly before?: JsonValue;
  readonly after?: JsonValue;
  readonly reason?: string;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly before: JsonValue;
  readonly after: JsonValue;
  readonly reason: string | null;
}

export interface AuditQuery {
  readonly actor?: string;
  /** Exact action, or a prefix ending with `.` / `*` (`route.*`). */
  readonly action?: string;
  readonly subject?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** Only entries with an id lower than this (newest first): pass the previous page's `next`. */
  readonly beforeId?: number;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Quarantine

export const QUARANTINE_STATES = ['open', 'redriven', 'resolved'] as const;
export type QuarantineState = (typeof QUARANTINE_STATES)[number];

export interface QuarantineInput {
  readonly sourceTable: string;
  /** The row key as text. */
  readonly key: string;
  /** The change or row, kept whole. */
  readonly payload: JsonValue;
  /** Stable machine code: `transform_error`, `schema_invalid`, `write_failed`... */
  readonly reasonCode: string;
  readonly message: string;
}

export interface QuarantineItem {
  readonly id: number;
  readonly sourceTable: string;
  readonly key: string;
  readonly payload: JsonValue;
  readonly reasonCode: string;
  readonly message: string;
  readonly attempts: number;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly state: QuarantineState;
}

export interface QuarantineQuery {
  readonly sourceTable?: string;
  readonly reasonCode?: string;
  readonly state?: QuarantineState;
  readonly key?: string;
  /** Only items with an id greater than this (oldest first): pass the previous page's `next`. */
  readonly afterId?: number;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

export interface QuarantineCount {
  readonly sourceTable: string;
  readonly reasonCode: string;
  readonly state: QuarantineState;
  readonly count: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Diff aggregates (gateway comparison)

export interface DiffDelta {
  readonly endpoint: string;
  /** JSON path of the differing field, e.g. `$.items[*].price`, or `status` / `header.content-type`. */
  readonly fieldPath: string;
  /** Kind of difference, defined by the gateway (`value`, `type`, `missing`, `extra`, `noise`...). */
  readonly kind: string;
  /** How many occurrences to add. */
  readonly count: number;
  /** A few samples (already redacted), e.g. `{traceId, legacy, next}`; the store keeps the latest `maxSamples`. */
  readonly samples?: readonly JsonValue[];
}

export interface DiffAggregate {
  readonly endpoint: string;
  readonly fieldPath: string;
  readonly kind: string;
  readonly count: number;
  readonly samples: readonly JsonValue[];
  readonly firstSeen: Date;
  readonly lastSeen: Date;
}

// ---------------------------------------------------------------------------------------------------------------
// The store, in the parts its callers use. A caller asks for the parts it needs (`LedgerStore & CheckpointStore`),
// so what it can touch is written in its signature; `StateStore` is all of them, and is what `openStateStore` gives.

/** What every part shares: where the store is, its schema version, closing it. */
export interface StoreInfo {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** Where it lives, safe to print (passwords redacted). */
  readonly location: string;
  /** Highest schema migration applied (equals the code's latest after open). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** The ledger: one line per entity key with its state and version (apply, backfill, verify, status). */
export interface LedgerStore {
  upsertLedger(entries: readonly LedgerUpsert[]): Promise<LedgerUpsertResult>;
  setLedgerState(changes: readonly LedgerStateChange[]): Promise<number>;
  getLedger(entity: string, key: string): Promise<LedgerEntry | undefined>;
  getLedgerMany(entity: string, keys: readonly string[]): Promise<LedgerEntry[]>;
  listLedger(query: LedgerPageQuery): Promise<Page<LedgerEntry, string>>;
  /** Counts per entity and state (for progress); one entity or all. */
  ledgerCounts(entity?: string): Promise<LedgerCount[]>;
  /**
   * The ledger as a change feed: lines written after a cursor, gap-free (a line committed after a reader passed a
   * position never appears behind it). Gateways keep a local copy fresh with it (`src/gateway/owner/ledger-cache.ts`).
   */
  ledgerChanges(query: LedgerChangesQuery): Promise<LedgerChangePage>;
}

/** The gateway's route table: read, changed (audited), watched. */
export interface RouteStore {
  getRoutes(): Promise<RouteTable>;
  /** Cheap: one indexed row. Gateways poll it or use `watchRoutes`. */
  routeTableVersion(): Promise<number>;
  /** Replace the whole table (in the given order), bump the version and write the audit entry, in one transaction. */
  setRoutes(routes: readonly RouteInput[], audit: AuditContext): Promise<RouteTable>;
  /** Change one route, bump the version and write the audit entry, in one transaction. */
  updateRoute(id: string, change: RouteChange, audit: AuditContext): Promise<{ version: number; route: Route }>;
  /**
   * Calls `onChange(version)` whenever the route table version moves past the last one reported (starting from the
   * version at subscription). Resolves once the watch is in place, so a change committed after it resolves is always
   * reported. Several quick changes may be reported once, with the latest version: reload the table with
   * `getRoutes()` on each call. The watch keeps the process alive until unsubscribed or the store is closed.
   */
  watchRoutes(onChange: (version: number) => void, options?: RouteWatchOptions): Promise<Unsubscribe>;
}

/** The audit trail of control-plane changes. */
export interface AuditStore {
  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Several entries in one write (one statement on PostgreSQL), in the order given. */
  appendAudits(entries: readonly AuditInput[]): Promise<AuditEntry[]>;
  listAudit(query?: AuditQuery): Promise<Page<AuditEntry, number>>;
}

/** Rows that could not be migrated, kept whole with their reason. */
export interface QuarantineStore {
  /** Adds items; an open item with the same table+key+reasonCode is updated instead (attempts + 1, last seen, payload). */
  addQuarantine(items: readonly QuarantineInput[]): Promise<QuarantineItem[]>;
  getQuarantine(id: number): Promise<QuarantineItem | undefined>;
  listQuarantine(query?: QuarantineQuery): Promise<Page<QuarantineItem, number>>;
  /** Move items to `redriven` or `resolved`, with an audit entry. Returns how many changed. */
  markQuarantine(ids: readonly number[], state: Exclude<QuarantineState, 'open'>, audit: AuditContext): Promise<number>;
  quarantineCounts(filter?: { state?: QuarantineState }): Promise<QuarantineCount[]>;
}

/** Cursors that follow no log (backfill chunk cursor, verify pass), compare-and-set. */
export interface CheckpointStore {
  getCheckpoint(name: string): Promise<string | null>;
  /**
   * Compare-and-set: writes `next` only if the stored position is `expected` (`null`: no checkpoint yet). Throws
   * `CheckpointConflictError` (with the actual position) otherwise.
   */
  saveCheckpoint(name: string, expected: string | null, next: string): Promise<void>;
  listCheckpoints(): Promise<{ name: string; position: string; updatedAt: Date }[]>;
}

/** Free settings (JSON values by key). */
export interface SettingsStore {
  getSetting(key: string): Promise<JsonValue | undefined>;
  /**
   * With `audit`: the audit entry (action `audit.action` or `setting.set`, subject the key, before = the stored value
   * or null, after = `value`) is written in the same transaction, so a change of a control setting (backfill pause…)
   * is never without its entry, nor an entry without its change.
   */
  setSetting(key: string, value: JsonValue, audit?: AuditContext): Promise<void>;
  deleteSetting(key: string): Promise<boolean>;
}

/** The gateway's response-diff aggregates. */
export interface DiffStore {
  recordDiffs(deltas: readonly DiffDelta[], maxSamples?: number): Promise<void>;
  listDiffs(filter?: { endpoint?: string }): Promise<DiffAggregate[]>;
  clearDiffs(filter?: { endpoint?: string }): Promise<number>;
}

/** The whole store: every part. Give callers the parts they use instead (apply: `LedgerStore & QuarantineStore & CheckpointStore`). */
export interface StateStore
  extends StoreInfo, LedgerStore, RouteStore, AuditStore, QuarantineStore, CheckpointStore, SettingsStore, DiffStore {}
