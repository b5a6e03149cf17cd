import type { AuditInput, JsonValue } from '../../../state/types.js';
import type { RouteStatsRow } from '../figures.js';
import type { AnalysisPolicy, CheckName, CheckResult, RunProgress, RunStatus } from '../judge.js';

/** One canary run: the route's plan, where it stands, and the revision every change compares and sets. */
export interface CanaryRun extends RunProgress {
  readonly route: string;
  readonly policy: AnalysisPolicy;
  /** End (epoch ms) of the last judged interval; the next interval starts here. */
  readonly windowEnd: number;
  readonly revision: number;
  readonly startedAt: Date;
  readonly startedBy: string;
  readonly updatedAt: Date;
  /** Why it last changed status (the failing checks with figures, "aborted by …"). */
  readonly lastReason: string | null;
}

export interface NewCanaryRun {
  readonly route: string;
  readonly policy: AnalysisPolicy;
  readonly windowEnd: number;
  readonly startedBy: string;
}

export type RunChange = Partial<Pick<CanaryRun, 'status' | 'stepIndex' | 'passes' | 'failures' | 'approvedIndex' | 'windowEnd' | 'lastReason'>>;

export interface VerdictInput {
  readonly route: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly stepIndex: number;
  readonly percent: number;
  readonly pass: boolean;
  readonly failed: readonly CheckName[];
  /** `none`, `advance`, `promote`, `gate`, `rollback`, `skipped` (run no longer active). */
  readonly action: string;
  readonly checks: readonly CheckResult[];
  readonly figures: JsonValue;
}

export interface StoredVerdict extends VerdictInput { readonly id: number; readonly at: Date }

export interface StatsSource { readonly source: string; readonly flushedUntil: number; readonly updatedAt: number }

/**
 * Canary analysis's part of the state store (migration 31). Stats rows are written by every gateway process (one
 * transaction per flush, with the process's `flushed_until` mark), read by the analysis loop, pruned by age.
 */
export interface AnalysisStore {
  readonly kind: 'sqlite' | 'postgres';
  writeStats(rows: readonly RouteStatsRow[], source: string, flushedUntil: number): Promise<void>;
  /** Rows of these routes whose bucket starts in [from, to). */
  readStats(routes: readonly string[], from: number, to: number): Promise<RouteStatsRow[]>;
  /** Sources (gateway processes) that flushed since `since` (epoch ms). */
  liveSources(since: number): Promise<StatsSource[]>;
  /** Deletes stats rows with a bucket before `before`, sources silent since then, and verdicts beyond `keepVerdicts` per route. */
  prune(before: number, keepVerdicts: number): Promise<number>;
  getRun(route: string): Promise<CanaryRun | undefined>;
  listRuns(): Promise<CanaryRun[]>;
  /** Starts a run (replacing a finished one of the route); an active run → CanaryStateError. */
  createRun(run: NewCanaryRun): Promise<CanaryRun>;
  /**
   * Compare-and-set on `revision`: applies `change` (and writes `audit`, in the same transaction) only when the run
   * is still at `expectedRevision`. Undefined when someone else moved it first.
   */
  updateRun(route: string, expectedRevision: number, change: RunChange, audit?: AuditInput): Promise<CanaryRun | undefined>;
  addVerdict(v: VerdictInput): Promise<void>;
  /** Newest first. */
  listVerdicts(route: string, limit?: number): Promise<StoredVerdict[]>;
  close(): Promise<void>;
}

export type { RunStatus };
