import { randomUUID } from 'node:crypto';
import type { Applier } from '../apply/types.js';
import { createBackfill } from '../backfill/backfill.js';
import { DataPath } from '../backfill/data-path.js';
import type { Backfill, BackfillStatus, ThrottleOptions } from '../backfill/types.js';
import { startCapture } from '../capture/run.js';
import type { CaptureMethod } from '../capture/types.js';
import { writeWatermark } from '../capture/watermark.js';
import type { ResolvedConfig } from '../config/types.js';
import { createLogger } from '../observe/logger.js';
import { openStateStore } from '../state/open.js';
import { MigrationFailedError } from './errors.js';
import { finishReapply, queuedReapplies, type ReapplyRequest } from './reapply-request.js';
import { keyRangeValues } from './key-range.js';

export interface MigrateProgress {
  readonly at: number;
  /** Backfill per table (rows read and applied, estimate, rate, ETA) and why it waits, if it does. */
  readonly backfill: BackfillStatus | null;
  /** Log offset apply has committed (in next), and the source position capture has stored (in the log). */
  readonly applyCheckpoint: string | null;
  readonly capturePosition: string | null;
  /** Capture→apply lag in seconds as the data path measures it (0 when caught up; null before the first batch). */
  readonly applyLagSeconds: number | null;
  readonly changesApplied: number;
  readonly chunkRowsApplied: number;
}

export interface RunMigrationOptions {
  readonly config: ResolvedConfig;
  readonly source: string;
  readonly slot: string;
  readonly method?: CaptureMethod | null;
  readonly signal: AbortSignal;
  /** Stop by itself once every table's backfill is done and apply has caught up with legacy (demo, tests). */
  readonly untilDone?: boolean;
  /** false: capture + apply only. */
  readonly backfill?: boolean;
  readonly chunkSize?: number;
  readonly throttle?: ThrottleOptions;
  readonly logBatchSize?: number;
  readonly capturePollMs?: number;
  readonly openApplier: (config: ResolvedConfig) => Promise<Applier>;
  readonly onProgress?: (p: MigrateProgress) => void;
  readonly progressEveryMs?: number;
  /** How often queued `siphon reapply` requests are looked for (ms, default 2000). */
  readonly reapplyPollMs?: number;
  /** Called when the process is running: capture started, apply tailing, backfill started (tests, demo). */
  readonly onRunning?: () => void;
}

export interface MigrateSummary {
  readonly stoppedBy: 'signal' | 'done';
  readonly progress: MigrateProgress;
  readonly reapplied: readonly { readonly id: string; readonly table: string; readonly rows: number }[];
}

/** Watermark ids of the `untilDone` fence: a probe (no table), which the merger reports when it passes. */
const FENCE_PREFIX = 'probe:migrate-fence:';

/**
 * `siphon migrate` in one process: capture first (nothing written from now on is missed), then the data path
 * (the log tailed from apply's checkpoint in next, through the DBLog merger, into the applier), then the backfill of
 * every mapped table (rows that existed before capture started come through chunks; the backfill itself proves
 * capture runs before it reads a chunk). Follows legacy until `signal` aborts — backfill stops after its chunks in
 * flight, the data path after the batch in hand (a checkpoint), capture after appending what it holds — or, with
 * `untilDone`, once backfill is done and a fence watermark written after it has been applied. A second run resumes
 * from the stored positions: capture's in the log, apply's and each table's chunk cursor in next.
 */
export async function runMigration(o: RunMigrationOptions): Promise<MigrateSummary> {
  const logger = createLogger('migrate');
  const tables = Object.keys(o.config.tables);
  const closers: (() => Promise<void>)[] = [];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  let failure: MigrationFailedError | null = null;
  const fail = (part: 'capture' | 'apply' | 'backfill') => (e: unknown) => {
    if (stop.signal.aborted && failure === null && part !== 'capture') return; // a stop in progress, not a failure
    failure ??= new MigrationFailedError(part, e instanceof Error ? e : new Error(String(e)));
    stop.abort();
  };
  let timer: NodeJS.Timeout | null = null;
  let stoppedBy: 'signal' | 'done' = 'signal';
  const reapplied: { id: string; table: string; rows: number }[] = [];
  try {
    const capture = await startCapture({
      legacyUrl: o.config.legacy.db, logUrl: o.config.log, tables, method: o.method ?? null, source: o.source, slot: o.slot,
      install: true, ...(o.capturePollMs !== undefined ? { pollIntervalMs: o.capturePollMs } : {}),
    });
    closers.push(() => capture.stop());
    capture.finished.then(() => { if (!stop.signal.aborted) fail('capture')(new Error('capture ended by itself')); }, fail('capture'));
    const store = await openStateStore(o.config.state);
    closers.push(() => store.close());
    const applier = await o.openApplier(o.config);
    closers.push(() => applier.close());
    const path = new DataPath({ log: capture.log, applier, ...(o.logBatchSize !== undefined ? { batchSize: o.logBatchSize } : {}) });
    await path.start();
    closers.push(() => path.stop());
    path.finished.catch(fail('apply'));
    const backfill: Backfill = createBackfill(
      { tables: tables.map((table) => ({ table })), ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}), ...(o.throttle ? { throttle: o.throttle } : {}) },
      { legacy: capture.db, source: o.source, applier, path, settings: store },
    );
    const snapshot = async (): Promise<MigrateProgress> => {
      const ps = path.status();
      return {
        at: Date.now(), backfill: o.backfill === false ? null : backfill.status(), applyCheckpoint: ps.appliedThrough,
        capturePosition: await capture.log.lastSourcePosition(o.source).catch(() => null), applyLagSeconds: ps.lagSeconds,
        changesApplied: ps.changesApplied, chunkRowsApplied: ps.chunkRowsApplied,
      };
    };
    if (o.backfill !== false) {
      await backfill.start();
      closers.push(() => backfill.stop());
      backfill.finished.catch(fail('backfill'));
    }
    if (o.onProgress) {
      const report = o.onProgress;
      timer = setInterval(() => { void snapshot().then(report, () => undefined); }, o.progressEveryMs ?? 1000);
    }
    o.onRunning?.();
    const reapplying = o.backfill === false ? Promise.resolve() : (async () => {
      while (!stop.signal.aborted) {
        for (const r of await queuedReapplies(store)) {
          if (stop.signal.aborted) break;
          reapplied.push(await runReapply(r, backfill, capture.db, store));
        }
        await sleepUnless(o.reapplyPollMs ?? 2000, stop.signal);
      }
    })().catch(fail('backfill'));
    if (o.untilDone) {
      void (async () => {
        if (o.backfill !== false) await backfill.finished;
        if (stop.signal.aborted) return;
        // Log order is legacy's commit order: once the fence written now has passed the data path, every legacy
        // write committed before it (the last chunks' rows included) is applied.
        const fence = `${FENCE_PREFIX}${randomUUID()}`;
        const seen = path.expectProbe(fence);
        await writeWatermark(capture.db, fence, 'low', null);
        await Promise.race([seen, new Promise((r) => stop.signal.addEventListener('abort', r, { once: true }))]);
        if (!stop.signal.aborted) { stoppedBy = 'done'; stop.abort(); }
      })().catch(fail('backfill'));
    }
    await new Promise<void>((r) => { if (stop.signal.aborted) r(); else stop.signal.addEventListener('abort', () => r(), { once: true }); });
    if (o.backfill !== false) await backfill.stop();
    await path.stop();
    await reapplying;
    if (failure) throw failure;
    const progress = await snapshot();
    o.onProgress?.(progress);
    logger.info({ stoppedBy, applyCheckpoint: progress.applyCheckpoint }, 'migrate stopped');
    return { stoppedBy, progress, reapplied };
  } catch (e) {
    throw failure ?? e;
  } finally {
    if (timer) clearInterval(timer);
    o.signal.removeEventListener('abort', onAbort);
    stop.abort();
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}

async function runReapply(r: ReapplyRequest, backfill: Backfill, legacy: import('../backends/types.js').Database,
  store: import('../state/types.js').StateStore): Promise<{ id: string; table: string; rows: number }> {
  const range = await keyRangeValues(legacy, r.table, r.from, r.to);
  const result = await backfill.reapply(r.table, range);
  await finishReapply(store, r, 'siphon migrate', result.rowsRead);
  return { id: r.id, table: r.table, rows: result.rowsRead };
}

function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) { resolve(); return; }
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}
