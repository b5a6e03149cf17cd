import type { CaptureMethod } from '../../capture/types.js';
import type { ResolvedConfig } from '../../config/types.js';
import { startMigration, type MigrateProgress, type RunningMigration } from '../../migrate/run.js';
import { migrationWiring } from '../../migrate/wiring.js';
import { applyMetrics } from '../../apply/metrics.js';
import { backfillMetrics } from '../../backfill/metrics.js';
import { captureMetrics } from '../../capture/metrics.js';
import { registerLogMetrics } from '../../log/metrics.js';
import type { Component, ComponentHealth, ComponentRun } from '../supervisor/component.js';

export interface MigrateComponentOptions {
  readonly config: ResolvedConfig;
  readonly source: string;
  readonly slot: string;
  readonly method: CaptureMethod | null;
  readonly backfill: boolean;
  readonly batchSize?: number;
  readonly chunkSize?: number;
  readonly capturePollMs?: number;
}

/**
 * The migration process (capture → event log → data path → apply, and the backfill) as a supervised component. A
 * part that fails (a lost database connection past apply's retries, capture's source gone) stops the others at their
 * checkpoints and ends the run; the supervisor starts it again, which resumes from the stored positions: capture's in
 * the log, apply's in next, each table's chunk cursor in next. Nothing is lost, and what was applied is not applied
 * again with effect (versions compare-and-set in next).
 */
export function migrateComponent(o: MigrateComponentOptions): Component {
  let m: RunningMigration | null = null;
  let failed = false;
  let last: MigrateProgress | null = null;
  return {
    name: 'migrate',
    async start(): Promise<ComponentRun> {
      failed = false;
      registerMigrationMetrics();
      const wiring = await migrationWiring();
      const run = await startMigration({
        config: o.config, source: o.source, slot: o.slot, method: o.method, backfill: o.backfill,
        ...(o.batchSize !== undefined ? { logBatchSize: o.batchSize } : {}),
        ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
        ...(o.capturePollMs !== undefined ? { capturePollMs: o.capturePollMs } : {}),
        openApplier: wiring.openApplier, onProgress: (p) => { last = p; }, progressEveryMs: 1000,
      });
      m = run;
      // `failed` resolves after a clean stop (ignored by the supervisor then) and rejects when a part failed
      return { ended: run.failed.catch((e: unknown) => { failed = true; throw e; }) };
    },
    async stop() {
      const run = m;
      m = null;
      if (!run) return;
      try { last = await run.stop(); } catch (e) {
        if (!failed) throw e; // after a failure the parts are already stopped at their checkpoints; stop() repeats why
      }
    },
    health(): ComponentHealth {
      if (!m) return { ready: false };
      const p = last;
      return {
        ready: true,
        ...(p ? { detail: { applyCheckpoint: p.applyCheckpoint, applyLagSeconds: p.applyLagSeconds, changesApplied: p.changesApplied, chunkRowsApplied: p.chunkRowsApplied } } : {}),
      };
    },
  };
}

/**
 * Every metric of the migration's parts, registered before their first event: otherwise a name appears only once
 * something happened (the first append, the first chunk), and a dashboard or an alert on it sees "no data" instead of 0.
 */
function registerMigrationMetrics(): void {
  registerLogMetrics();
  for (const make of Object.values(captureMetrics)) make();
  applyMetrics();
  backfillMetrics();
}
