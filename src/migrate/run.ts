import type { Applier, ApplyTableCounts } from '../apply/types.js';
import type { Database } from '../backends/types.js';
import { startCapture, type CaptureRun } from '../capture/run.js';
import { writeWatermark } from '../capture/watermark.js';
import type { CaptureMethod } from '../capture/types.js';
import type { ResolvedConfig } from '../config/types.js';
import type { EventLog } from '../log/types.js';
import { createLogger } from '../observe/logger.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import { applyLoop, passThroughMerger, type StreamMerger } from './apply-loop.js';
import { MigrationFailedError } from './errors.js';

/** Per-table progress of the backfill as the driver reports it. */
export interface BackfillTableState {
  readonly state: 'pending' | 'running' | 'paused' | 'done';
  readonly rowsCopied: number;
  /** Legacy rows when the table's backfill started (an estimate: legacy keeps changing). */
  readonly rowsTotal: number | null;
  readonly pauseReason: string | null;
}

/** What `runMigration` needs of the backfill library: the DBLog merger between log and applier, and the chunk loop. */
export interface BackfillDriver {
  readonly merger: StreamMerger;
  /** Copies every mapped table, chunk after chunk, until done or `signal` aborts; resumes from stored cursors. */
  run(signal: AbortSignal): Promise<void>;
  progress(): Readonly<Record<string, BackfillTableState>>;
}

export interface MigrationParts {
  readonly config: ResolvedConfig;
  readonly capture: CaptureRun;
  readonly legacy: Database;
  readonly log: EventLog;
  readonly store: StateStore;
  readonly applier: Applier;
}

export interface MigrateProgress {
  readonly at: number;
  readonly tables: Readonly<Record<string, { readonly applied: ApplyTableCounts; readonly backfill: BackfillTableState | null }>>;
  /** Log offset apply has committed, and the source position capture has stored. */
  readonly applyCheckpoint: string | null;
  readonly capturePosition: string | null;
  /** Age of the last applied entry when it was applied (append time → commit in next), seconds. */
  readonly applyLagSeconds: number | null;
  readonly caughtUp: boolean;
}

export interface RunMigrationOptions {
  readonly config: ResolvedConfig;
  readonly source: string;
  readonly slot: string;
  readonly consumer: string;
  readonly method?: CaptureMethod | null;
  readonly signal: AbortSignal;
  /** Stop by itself once every table's backfill is done and apply has caught up with capture (demo, tests). */
  readonly untilDone?: boolean;
  readonly batchSize?: number;
  readonly capturePollMs?: number;
  readonly openApplier: (config: ResolvedConfig) => Promise<Applier>;
  /** null: capture + apply only (no backfill). */
  readonly openBackfill: ((parts: MigrationParts) => Promise<BackfillDriver>) | null;
  readonly onProgress?: (p: MigrateProgress) => void;
  readonly progressEveryMs?: number;
}

export interface MigrateSummary {
  readonly stoppedBy: 'signal' | 'done';
  readonly progress: MigrateProgress;
}

/** Watermark ids of the `untilDone` fence (not a chunk's: the backfill merger ignores them). */
export const FENCE_PREFIX = 'siphon-migrate-fence:';

const zero = (): ApplyTableCounts => ({ written: 0, deleted: 0, stale: 0, quarantined: 0, waiting: 0 });

/**
 * `siphon migrate` in one process: capture first (so nothing written from now on is missed), then apply tailing the
 * log from its checkpoint in next through the DBLog merger, then backfill of every mapped table (rows that existed
 * before capture started come through chunks). Follows legacy until `signal` aborts — then backfill stops between
 * chunks, apply after its batch in hand (at a checkpoint), capture after appending what it holds — or, with
 * `untilDone`, once the backfill is done and apply has caught up. A second run resumes from the stored positions.
 */
export async function runMigration(o: RunMigrationOptions): Promise<MigrateSummary> {
  const logger = createLogger('migrate');
  const tables = Object.keys(o.config.tables);
  const capture = await startCapture({
    legacyUrl: o.config.legacy.db, logUrl: o.config.log, tables, method: o.method ?? null, source: o.source, slot: o.slot,
    install: true, ...(o.capturePollMs !== undefined ? { pollIntervalMs: o.capturePollMs } : {}),
  });
  const closers: (() => Promise<void>)[] = [() => capture.stop()];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  if (o.signal.aborted) stop.abort();
  const applied: Record<string, ApplyTableCounts> = Object.fromEntries(tables.map((t) => [t, zero()]));
  let applyCheckpoint: string | null = null, applyLagSeconds: number | null = null;
  let backfill: BackfillDriver | null = null;
  let stoppedBy: 'signal' | 'done' = 'signal';
  let timer: NodeJS.Timeout | null = null;
  let failure: MigrationFailedError | null = null;
  let fence: string | null = null;
  const fail = (part: 'capture' | 'apply' | 'backfill') => (e: unknown) => {
    failure ??= new MigrationFailedError(part, e instanceof Error ? e : new Error(String(e)));
    stop.abort();
  };
  const snapshot = async (): Promise<MigrateProgress> => {
    const [position, stats] = await Promise.all([capture.log.lastSourcePosition(o.source), capture.log.stats()]);
    const bf = backfill?.progress() ?? {};
    const caughtUp = stats.lastOffset === null || (applyCheckpoint !== null && capture.log.compareOffsets(applyCheckpoint, stats.lastOffset) >= 0);
    return {
      at: Date.now(), applyCheckpoint, capturePosition: position, applyLagSeconds, caughtUp,
      tables: Object.fromEntries(tables.map((t) => [t, { applied: { ...applied[t]! }, backfill: bf[t] ?? null }])),
    };
  };
  try {
    const store = await openStateStore(o.config.state);
    closers.push(() => store.close());
    const applier = await o.openApplier(o.config);
    closers.push(() => applier.close());
    applyCheckpoint = await applier.checkpoint(o.consumer);
    const parts: MigrationParts = { config: o.config, capture, legacy: capture.db, log: capture.log, store, applier };
    backfill = o.openBackfill ? await o.openBackfill(parts) : null;
    capture.finished.then(() => { if (!stop.signal.aborted) fail('capture')(new Error('capture ended by itself')); }, fail('capture'));
    const applying = applyLoop({
      log: capture.log, applier, consumer: o.consumer, merger: backfill?.merger ?? passThroughMerger, signal: stop.signal,
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
      onBatch(result, batch, checkpoint) {
        const last = batch[batch.length - 1]!;
        applyCheckpoint = checkpoint;
        if (fence !== null && batch.some((e) => e.record.kind === 'watermark' && e.record.id === fence)) { stoppedBy = 'done'; stop.abort(); }
        applyLagSeconds = Math.max(0, (Date.now() - Date.parse(last.appendedAt)) / 1000);
        for (const [t, c] of Object.entries(result.byTable)) {
          const a = (applied[t] ??= zero());
          a.written += c.written; a.deleted += c.deleted; a.stale += c.stale; a.quarantined += c.quarantined; a.waiting += c.waiting;
        }
      },
    }).catch(fail('apply'));
    const backfilling = backfill ? backfill.run(stop.signal).catch(fail('backfill')) : Promise.resolve();
    if (o.onProgress) {
      const report = o.onProgress;
      timer = setInterval(() => { void snapshot().then(report, () => undefined); }, o.progressEveryMs ?? 1000);
    }
    if (o.untilDone) {
      // The fence: a watermark written into legacy once the backfill is done. Log order is legacy's commit order, so
      // when apply has committed the batch holding the fence, every legacy write committed before it is applied.
      void (async () => {
        await backfilling;
        if (stop.signal.aborted) return;
        fence = `${FENCE_PREFIX}${Date.now().toString(36)}`;
        await writeWatermark(capture.db, fence, 'high', null);
      })().catch(fail('capture'));
    }
    await Promise.all([applying, backfilling]);
    if (!stop.signal.aborted) await new Promise<void>((r) => stop.signal.addEventListener('abort', () => r(), { once: true }));
    await Promise.all([applying, backfilling]);
    if (failure) throw failure;
    const progress = await snapshot();
    o.onProgress?.(progress);
    logger.info({ stoppedBy, applyCheckpoint }, 'migrate stopped');
    return { stoppedBy, progress };
  } finally {
    if (timer) clearInterval(timer);
    o.signal.removeEventListener('abort', onAbort);
    stop.abort();
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}
