import { randomUUID } from 'node:crypto';
import type { Applier } from '../apply/types.js';
import { backfillOrder, type NextTables } from '../apply/next-tables.js';
import { createBackfill } from '../backfill/backfill.js';
import { DataPath } from '../backfill/data-path.js';
import type { Backfill, BackfillStatus, ThrottleOptions } from '../backfill/types.js';
import { startCapture } from '../capture/run.js';
import type { CaptureMethod } from '../capture/types.js';
import { writeWatermark } from '../capture/watermark.js';
import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import type { StateStore } from '../state/types.js';
import { createLogger } from '../observe/logger.js';
import { openStateStore } from '../state/open.js';
import { requireKeyableMappings } from './keyable.js';
import { openDatabase } from '../backends/open.js';
import { MigrationFailedError } from './errors.js';
import { finishReapply, queuedReapplies, type ReapplyRequest } from './reapply-request.js';
import { keyRangeValues } from './key-range.js';
import { createAspirer, type AspirerOptions, type LocalAspirer } from '../aspire/aspirer.js';
import { openAspireFlights } from '../state/aspire/open.js';

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
  /** runMigration: stops when it aborts (startMigration: unused, call stop()). */
  readonly signal?: AbortSignal;
  /** Stop by itself once every table's backfill is done and apply has caught up with legacy (demo, tests). */
  readonly untilDone?: boolean;
  /** false: capture + apply only. */
  readonly backfill?: boolean;
  readonly chunkSize?: number;
  /** Tables copied at the same time (backfill's `parallelTables`, default 2). */
  readonly parallelTables?: number;
  /**
   * `parents` (default): a table's chunks start once the tables its next rows reference are copied. `config`: the
   * config's table order only (the demo copies the customers last on purpose, to leave some for aspire).
   */
  readonly backfillOrder?: 'parents' | 'config';
  readonly throttle?: ThrottleOptions;
  readonly logBatchSize?: number;
  readonly capturePollMs?: number;
  readonly openApplier: (config: ResolvedConfig) => Promise<Applier>;
  /** An open legacy handle to share (see CaptureRunOptions.legacy); default: capture opens its own. */
  readonly legacy?: Database;
  readonly onProgress?: (p: MigrateProgress) => void;
  readonly progressEveryMs?: number;
  /** How often queued `siphon reapply` requests are looked for (ms, default 2000). */
  readonly reapplyPollMs?: number;
  /**
   * Aspire (issue 13): serve `aspire` calls and the requests other processes queue in the state store. Default on
   * when the config declares entities; false: off; an object: its tuning.
   */
  readonly aspire?: boolean | Pick<AspirerOptions, 'leaseMs' | 'servePollMs' | 'waitTimeoutMs' | 'chunks'>;
}

export interface MigrateSummary {
  readonly stoppedBy: 'signal' | 'done';
  readonly progress: MigrateProgress;
  readonly reapplied: readonly { readonly id: string; readonly table: string; readonly rows: number }[];
}

/** Watermark ids of the drain fence: a probe (no table), which the merger reports when it passes. */
const FENCE_PREFIX = 'probe:migrate-fence:';

/** A migration running in this process (see `startMigration`). */
export interface RunningMigration {
  progress(): Promise<MigrateProgress>;
  /** Settles when every table's backfill is done (rejects when backfill fails; never settles without backfill). */
  readonly backfillDone: Promise<void>;
  /**
   * Resolves once every legacy write committed before the call is applied: a fence watermark is written into legacy
   * and waited for at the end of the data path (log order is legacy's commit order).
   */
  drain(): Promise<void>;
  /** Stops cleanly (backfill after its chunks in flight, the data path at a checkpoint, capture after appending). */
  stop(): Promise<MigrateProgress>;
  /** Rejects with MigrationFailedError as soon as a part fails (the others are stopped then); resolves after stop(). */
  readonly failed: Promise<void>;
  readonly reapplied: readonly { readonly id: string; readonly table: string; readonly rows: number }[];
  /** Settles once the re-applies queued before the start are done (runMigration's `untilDone` waits for them). */
  readonly queuedAtStartDone: Promise<void>;
  /** Aspire through this process's data path (null when off or when the config declares no entities). */
  readonly aspirer: LocalAspirer | null;
}

/**
 * Starts `siphon migrate`'s parts in one process: capture first (nothing written from now on is missed), then the
 * data path (the log tailed from apply's checkpoint in next, through the DBLog merger, into the applier), then the
 * backfill of every mapped table (rows that existed before capture started come through chunks; the backfill itself
 * proves capture runs before it reads a chunk), and the watcher of queued `siphon reapply` requests. A later start
 * resumes from the stored positions: capture's in the log, apply's and each table's chunk cursor in next.
 */
export async function startMigration(o: RunMigrationOptions): Promise<RunningMigration> {
  const logger = createLogger('migrate');
  const tables = Object.keys(o.config.tables);
  const closers: (() => Promise<void>)[] = [];
  const stopCtl = new AbortController();
  let failure: MigrationFailedError | null = null;
  let rejectFailed!: (e: unknown) => void, resolveFailed!: () => void;
  const failed = new Promise<void>((res, rej) => { resolveFailed = res; rejectFailed = rej; });
  failed.catch(() => undefined);
  let timer: NodeJS.Timeout | null = null;
  const reapplied: { id: string; table: string; rows: number }[] = [];
  const closeAll = async () => {
    if (timer) clearInterval(timer);
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  const fail = (part: 'capture' | 'apply' | 'backfill') => (e: unknown) => {
    if (stopCtl.signal.aborted) return; // the parts end with errors while they are stopped: not a failure
    failure ??= new MigrationFailedError(part, e instanceof Error ? e : new Error(String(e)));
    logger.error({ part, err: failure.message }, 'migrate failed');
    stopCtl.abort();
    void closeAll().then(() => rejectFailed(failure));
  };
  try {
    // before capture installs anything in legacy: a mapping key that cannot tell rows apart is a configuration error
    const probe = o.legacy ?? await openDatabase(o.config.legacy.db, { mustExist: true });
    try { await requireKeyableMappings(probe, o.config); } finally { if (!o.legacy) await probe.close(); }
    const capture = await startCapture({
      legacyUrl: o.config.legacy.db, logUrl: o.config.log, tables, method: o.method ?? null, source: o.source, slot: o.slot,
      install: true, ...(o.legacy ? { legacy: o.legacy } : {}), ...(o.capturePollMs !== undefined ? { pollIntervalMs: o.capturePollMs } : {}),
    });
    closers.push(() => capture.stop());
    capture.finished.then(() => fail('capture')(new Error('capture ended by itself')), fail('capture'));
    const store = await openStateStore(o.config.state);
    closers.push(() => store.close());
    const applier = await o.openApplier(o.config);
    closers.push(() => applier.close());
    const path = new DataPath({ log: capture.log, applier, ...(o.logBatchSize !== undefined ? { batchSize: o.logBatchSize } : {}) });
    await path.start();
    closers.push(() => path.stop());
    path.finished.then(() => fail('apply')(new Error('the data path ended by itself')), fail('apply'));
    let aspirer: LocalAspirer | null = null;
    if (o.aspire !== false && Object.keys(o.config.entities).length > 0) {
      const flights = await openAspireFlights(o.config.state);
      closers.push(() => flights.close());
      aspirer = await createAspirer({ config: o.config, legacy: capture.db, source: o.source, path, state: store, flights, ...(typeof o.aspire === 'object' ? o.aspire : {}) });
      const a = aspirer;
      closers.push(() => a.close());
    }
    const withBackfill = o.backfill !== false;
    const order = 'nextTables' in applier ? backfillOrder(o.config, (applier as { nextTables: NextTables }).nextTables) : new Map<string, string[]>();
    const backfill: Backfill = createBackfill(
      // parents first: child chunks then find their parents in next and stay on the bulk path ('config': the order of
      // the config's tables, which the demo uses to leave the customers for last)
      { tables: tables.map((table) => ({ table, after: o.backfillOrder === 'config' ? [] : order.get(table) ?? [] })),
        ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
        ...(o.parallelTables !== undefined ? { parallelTables: o.parallelTables } : {}), ...(o.throttle ? { throttle: o.throttle } : {}) },
      { legacy: capture.db, source: o.source, applier, path, settings: store },
    );
    if (withBackfill) {
      await backfill.start();
      closers.push(() => backfill.stop());
      backfill.finished.catch(fail('backfill'));
    }
    const progress = async (): Promise<MigrateProgress> => {
      const ps = path.status();
      return {
        at: Date.now(), backfill: withBackfill ? backfill.status() : null, applyCheckpoint: ps.appliedThrough,
        capturePosition: await capture.log.lastSourcePosition(o.source).catch(() => null), applyLagSeconds: ps.lagSeconds,
        changesApplied: ps.changesApplied, chunkRowsApplied: ps.chunkRowsApplied,
      };
    };
    if (o.onProgress) {
      const report = o.onProgress;
      timer = setInterval(() => { void progress().then(report, () => undefined); }, o.progressEveryMs ?? 1000);
    }
    let firstPass!: () => void;
    const queuedAtStartDone = new Promise<void>((r) => { firstPass = r; });
    const reapplying = withBackfill ? (async () => {
      while (!stopCtl.signal.aborted) {
        for (const r of await queuedReapplies(store)) {
          if (stopCtl.signal.aborted) break;
          reapplied.push(await runReapply(r, backfill, capture.db, store));
        }
        firstPass();
        await sleepUnless(o.reapplyPollMs ?? 2000, stopCtl.signal);
      }
    })().catch(fail('backfill')).finally(firstPass) : Promise.resolve().then(firstPass);
    let stopping: Promise<MigrateProgress> | null = null;
    return {
      progress, reapplied, failed, queuedAtStartDone, aspirer,
      backfillDone: withBackfill ? backfill.finished : new Promise<void>(() => undefined),
      async drain() {
        const fence = `${FENCE_PREFIX}${randomUUID()}`;
        const seen = path.expectProbe(fence);
        await writeWatermark(capture.db, fence, 'low', null);
        await Promise.race([seen, failed.then(() => { throw new Error('the migration stopped before the fence was applied'); })]);
      },
      stop() {
        stopping ??= (async () => {
          if (failure) throw failure;
          stopCtl.abort();
          if (withBackfill) await backfill.stop();
          // flights in progress settle through the running data path; the claims still held are given back
          await aspirer?.close();
          await path.stop();
          await reapplying;
          const last = await progress();
          await closeAll();
          resolveFailed();
          if (failure) throw failure;
          logger.info({ applyCheckpoint: last.applyCheckpoint }, 'migrate stopped');
          return last;
        })();
        return stopping;
      },
    };
  } catch (e) {
    // a setup failure: the parts started so far are stopped, and their ends are not failures of their own
    const first = failure;
    stopCtl.abort();
    await closeAll();
    throw first ?? e;
  }
}

/**
 * `siphon migrate`: starts the migration and follows legacy until `signal` aborts, or with `untilDone` until every
 * table's backfill is done and everything legacy committed by then is applied. A part that fails stops the others
 * at their checkpoints and is thrown as MigrationFailedError.
 */
export async function runMigration(o: RunMigrationOptions): Promise<MigrateSummary> {
  const m = await startMigration(o);
  let stoppedBy: 'signal' | 'done' = 'signal';
  const signal = o.signal;
  const aborted = new Promise<void>((r) => { if (!signal) return; if (signal.aborted) r(); else signal.addEventListener('abort', () => r(), { once: true }); });
  const done = o.untilDone ? (async () => {
    if (o.backfill !== false) await Promise.all([m.backfillDone, m.queuedAtStartDone]);
    await m.drain();
    stoppedBy = 'done';
  })() : new Promise<void>(() => undefined);
  try {
    await Promise.race([aborted, done, m.failed]);
  } catch (e) {
    await m.stop().catch(() => undefined);
    throw e;
  }
  const progress = await m.stop();
  o.onProgress?.(progress);
  return { stoppedBy, progress, reapplied: m.reapplied };
}

async function runReapply(r: ReapplyRequest, backfill: Backfill, legacy: Database, store: StateStore): Promise<{ id: string; table: string; rows: number }> {
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
