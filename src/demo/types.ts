import type { Database } from '../backends/types.js';
import type { CaptureMethod } from '../capture/types.js';
import type { RunningAdmin } from '../control/admin/start.js';
import type { RunningApp } from '../../examples/billing/http/server.js';
import type { ResolvedConfig } from '../config/types.js';
import type { RunningMigration } from '../migrate/run.js';
import type { WriteCounts } from './write-counter.js';
import type { LiveGateway } from './live-gateway.js';

export interface DemoOptions {
  /** Working folder (default `.siphon/demo` under the current directory); its demo files are recreated each run. */
  readonly dir: string;
  readonly customers: number;
  readonly seed: number;
  readonly dirty: number;
  /** Seconds of traffic per app (0: none). */
  readonly trafficSeconds: number;
  /** Requests per second of that traffic. */
  readonly rate: number;
  /** Keep the apps running until Ctrl-C. */
  readonly keep: boolean;
  /** Progress lines on stderr (off with --json). */
  readonly verbose: boolean;
  /** Server databases instead of the demo folder's SQLite files (MariaDB/PostgreSQL legacy, PostgreSQL next). */
  readonly legacyDb?: string;
  readonly nextDb?: string;
  /** Open the dashboard in a browser (xdg-open). */
  readonly open?: boolean;
  /** The dashboard's port (default: any free one). */
  readonly dashboardPort?: number;
}

/** What a step reports: a one-line summary and details (numbers, URLs, samples) for the text and JSON output. */
export interface StepOutcome {
  readonly summary: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Extra lines for the text output (e.g. samples side by side). */
  readonly lines?: readonly string[];
}

/** State the steps share. Steps add what later steps need (databases, apps) and register their cleanup. */
export interface DemoContext {
  readonly options: DemoOptions;
  readonly legacyUrl: string;
  readonly nextUrl: string;
  /** The demo's event log and state store (embedded SQLite, in the demo folder). */
  readonly logUrl: string;
  readonly stateUrl: string;
  legacyDb?: Database;
  nextDb?: Database;
  legacyApp?: RunningApp;
  nextApp?: RunningApp;
  /** The gateway's URL while the gateway step's gateway runs (shown by --keep). */
  gatewayUrl?: string;
  /** The migration (capture + apply + backfill, as `siphon migrate` runs it), from the migrate step to the captured step. */
  migration?: RunningMigration;
  /** The billing migration config on the demo's files. */
  migrationConfig?: ResolvedConfig;
  /** Write statements the legacy app committed, by `TABLE op`: the witness capture is checked against. */
  readonly legacyWrites: WriteCounts;
  /** Customer ids worth showing (clean, dirty), found while generating. */
  sampleCustomers: number[];
  /** The capture method the migration runs with (trigger on SQLite, binlog on MariaDB, pgoutput on PostgreSQL). */
  captureMethod?: CaptureMethod;
  /** The admin API of the run (from the admin step on: dashboard at /dashboard/), its tokens, the login URL. */
  admin?: DemoAdmin;
  dashboardUrl?: string;
  /** Bearer token of the next app's fault switches (`PUT /_admin/faults`). */
  nextAdminToken?: string;
  /**
   * Legacy customer ids the backfill copied before the demo paused it (1..backfillReach): shadow and canary traffic
   * stays on them until the backfill resumes; the customers above are left for aspire on first touch.
   */
  backfillReach?: number;
  /** The gateway of the canary, owner and promotion steps (route stats, owner routing, canary analysis). */
  live?: LiveGateway;
  /** What the story showed, for the JSON report. */
  readonly story: DemoStory;
  /** Cleanup actions, run in reverse order when the demo ends (also on failure). */
  onClose(fn: () => Promise<void>): void;
  log(line: string): void;
}

/**
 * One step of the demo story. Later milestones insert their steps (capture, backfill, shadow, canary, cut-over,
 * verify...) into DEMO_STEPS in story order.
 */
export interface DemoStep {
  readonly id: string;
  readonly title: string;
  run(ctx: DemoContext): Promise<StepOutcome>;
}

export interface DemoStepReport {
  readonly id: string;
  readonly title: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly summary: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly lines?: readonly string[];
  readonly error?: string;
  /** The failure's stable code when it was a typed error (`DEMO_USAGE`: bad input, exit 2). */
  readonly errorCode?: string;
}

/** The story's results, filled in by the steps that show them. */
export interface DemoStory {
  canary?: { route: string; stepsReached: number[]; status: string };
  rolledBack?: { route: string; check: string; checks: string[]; reason: string };
  aspired?: number;
  promoted?: string[];
}

export interface DemoAdmin {
  readonly running: RunningAdmin;
  /** Operator and read-only tokens from the demo's tokens file. */
  readonly operatorToken: string;
  readonly readerToken: string;
}

export interface DemoReport {
  readonly ok: boolean;
  readonly story: DemoStory;
  readonly dir: string;
  readonly steps: readonly DemoStepReport[];
  readonly durationMs: number;
}
