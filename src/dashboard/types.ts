import type { MigrationStatus } from '../migrate/status.js';
import type { AuditStore, DiffStore, JsonValue, LedgerStore, QuarantineStore, RouteStore } from '../state/types.js';
import type { VerifyTableResult } from '../state/verify/types.js';
import type { LatencySummary } from './gateway-figures.js';

/** Who is looking: read-only sees everything, an operator may also roll back, approve and retry. */
export type DashboardRole = 'read' | 'operator';
export interface DashboardIdentity { readonly identity: string; readonly role: DashboardRole }

/**
 * Where the dashboard reads its figures. Only the state store is required; every other source is optional and its
 * section reads "not available" without it (a dashboard beside a lone gateway has no migration status).
 */
export interface DashboardSources {
  readonly store: RouteStore & AuditStore & QuarantineStore & DiffStore & LedgerStore;
  /** `siphon status`'s figures (collectStatus bound to the running migration). */
  readonly status?: () => Promise<MigrationStatus>;
  readonly verify?: () => Promise<readonly VerifyTableResult[]>;
  /** Prometheus text of the gateway(s): this process's registry or the cluster's aggregated text. */
  readonly metrics?: () => Promise<string>;
  /** The canary analysis' state per route (steps, last checks), as the analysis publishes it. */
  readonly analysis?: () => Promise<Readonly<Record<string, JsonValue>>>;
  /** Backfill throttle state and why (`createBackfill(...).status()`). */
  readonly throttle?: () => Promise<JsonValue>;
}

/** What an operator can do from the page; each action writes its own audit entry with the identity as actor. */
export interface DashboardActions {
  rollback(routeId: string, actor: string, reason: string): Promise<void>;
  approve?(routeId: string, actor: string): Promise<void>;
  retryQuarantine?(ids: readonly number[], actor: string): Promise<{ retried: number; stillQuarantined: number }>;
}

export interface RouteView {
  readonly id: string;
  readonly path: string;
  readonly methods: readonly string[];
  readonly mode: string;
  readonly canaryPercent: number;
  readonly legacy: LatencySummary;
  readonly next: LatencySummary;
  readonly compatibility: number | null;
  readonly analysis: JsonValue | null;
}

export interface TableView {
  readonly table: string;
  readonly legacyRows: number | null;
  readonly migrated: number | null;
  readonly quarantined: number;
  readonly quarantinedByReason: Readonly<Record<string, number>>;
  readonly backfill: string;
  readonly rowsCopied: number | null;
  /** Rows per second over the dashboard's last readings; null until two readings. */
  readonly rate: number | null;
  readonly etaSeconds: number | null;
  readonly check: string | null;
  readonly checkOk: boolean | null;
}

export interface Scoreboard {
  /** Legacy's answers (before), over every route. */
  readonly before: LatencySummary;
  /** Next's answers on the routes next serves (after). */
  readonly after: LatencySummary;
  readonly failedUserRequests: number;
  readonly rowsMigrated: number | null;
  readonly quarantined: number;
  readonly quarantinedByReason: Readonly<Record<string, number>>;
  /** Rows missing in next by the last verify (null: never verified). */
  readonly rowsLost: number | null;
}

export interface HistoryPoint {
  readonly t: number;
  readonly legacyP50Ms: number | null;
  readonly legacyP99Ms: number | null;
  readonly nextP50Ms: number | null;
  readonly nextP99Ms: number | null;
  readonly legacyErrorRate: number | null;
  readonly nextErrorRate: number | null;
  readonly compatibility: number | null;
}

export interface DashboardSnapshot {
  readonly at: string;
  readonly routes: readonly RouteView[];
  readonly history: readonly HistoryPoint[];
  readonly diffs: readonly { endpoint: string; fieldPath: string; kind: string; count: number; samples: readonly JsonValue[] }[];
  readonly tables: readonly TableView[] | null;
  readonly lag: { captureLag: number | null; applyLagSeconds: number | null; caughtUp: boolean | null; throttle: JsonValue | null };
  readonly entities: readonly { entity: string; state: string; count: number }[];
  readonly quarantine: {
    readonly byTable: readonly { table: string; reason: string; count: number }[];
    readonly items: readonly { id: number; table: string; key: string; reason: string; message: string; attempts: number; row: string }[];
  };
  readonly verify: readonly VerifyTableResult[] | null;
  readonly audit: readonly { id: number; at: string; actor: string; action: string; subject: string; before: JsonValue; after: JsonValue; reason: string | null }[];
  readonly scoreboard: Scoreboard;
  /** Figures that could not be read, with the reason (shown on the page, never hidden). */
  readonly errors: readonly string[];
}
