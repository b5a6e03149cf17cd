import { openDatabase } from '../backends/open.js';
import { readyDefaultMethod } from './readiness.js';
import type { Database } from '../backends/types.js';
import { openLog } from '../log/open.js';
import type { EventLog } from '../log/types.js';
import { createLogger } from '../observe/logger.js';
import { captureMetrics } from './metrics.js';
import { createCapture, defaultMethod } from './open.js';
import { ensurePublicationAndSlot, setReplicaIdentityFull, tablesWithoutFullIdentity } from './pgoutput/slot.js';
import { logSink } from './sink.js';
import { installTriggers } from './trigger/install.js';
import type { CaptureMethod, CaptureSource, CaptureStatus, OnSchemaChange } from './types.js';
import { ensureWatermarkTable, WATERMARK_TABLE } from './watermark.js';

/** What a capture run needs: where legacy and the log are, what to capture, and how. */
export interface CaptureRunOptions {
  readonly legacyUrl: string;
  readonly logUrl: string;
  readonly tables: readonly string[];
  /** null/undefined: the engine's log-based method (binlog, pgoutput), triggers on SQLite. */
  readonly method?: CaptureMethod | null;
  /** The source's name in the log. */
  readonly source: string;
  /** pgoutput: slot and publication name. */
  readonly slot: string;
  /**
   * Prepare legacy first, idempotently: the watermark table, the triggers (trigger), the publication and slot
   * (pgoutput). `siphon migrate` does; `siphon capture start` leaves it to `siphon capture install` (or --create-slot).
   */
  readonly install?: boolean;
  readonly createSlot?: boolean;
  readonly setReplicaIdentity?: boolean;
  readonly onSchemaChange?: OnSchemaChange;
  /** binlog: ignore the stored position and start at the current end. */
  readonly reset?: boolean;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  /** Log a status line (and refresh the log-size gauge) this often; 0 or absent: never. */
  readonly statusEveryMs?: number;
  /**
   * An open handle on legacy to use instead of opening one (left open by stop()). In one process with other writers
   * of the same SQLite file (the demo's legacy app) one handle is a must: its lock serialises them, where two
   * connections would wait for each other's file lock synchronously, stalling the whole event loop.
   */
  readonly legacy?: Database;
}

/**
 * A running capture of one legacy database into the event log, with what it opened. Shared by `siphon capture start`
 * and `siphon migrate` (and later `siphon start`), so the lifecycle — open, prepare, start, status, stop in order,
 * close — exists once.
 */
export interface CaptureRun {
  readonly method: CaptureMethod;
  readonly source: string;
  /** The legacy database handle capture uses for introspection and status (backfill may share it). */
  readonly db: Database;
  /** The event log capture appends to (log consumers in the same process may share it). */
  readonly log: EventLog;
  readonly capture: CaptureSource;
  /** Settles when capture ends: resolves after stop(), rejects with the fatal error. */
  readonly finished: Promise<void>;
  status(): Promise<CaptureStatus>;
  /**
   * Stops capture (what is buffered is appended first), then closes the log and the legacy handle it opened.
   * Idempotent. Resolves even when capture had failed: the failure is in `finished`.
   */
  stop(): Promise<void>;
}

/** Opens legacy and the log, prepares legacy when asked, and starts capture. Everything opened is closed on failure. */
export async function startCapture(o: CaptureRunOptions): Promise<CaptureRun> {
  const logger = createLogger('capture');
  const db = o.legacy ?? await openDatabase(o.legacyUrl, { mustExist: true });
  const ownDb = o.legacy === undefined;
  let log: EventLog | null = null;
  let capture: CaptureSource | null = null;
  try {
    log = await openLog(o.logUrl);
    // without --method: a method that is ready (or the error names the ready one); install prepares the default one
    const method = o.method ?? (o.install ? defaultMethod(db.dialect) : await readyDefaultMethod(db, o.tables, { slot: o.slot }));
    if (o.install) await prepareLegacy(db, method, o);
    capture = createCapture(db, o.legacyUrl, method, {
      source: o.source, tables: o.tables, onSchemaChange: o.onSchemaChange ?? 'stop', batchSize: o.batchSize ?? 2000,
      ...(o.pollIntervalMs !== undefined ? { pollIntervalMs: o.pollIntervalMs } : {}),
      slot: o.slot, publication: o.slot, createSlot: (o.createSlot ?? false) || (o.install ?? false),
      setReplicaIdentityFull: o.setReplicaIdentity ?? false, reset: o.reset ?? false,
    });
    await capture.start(logSink(log, o.source));
    logger.info({ legacy: db.displayUrl, log: log.name, method, tables: o.tables }, 'capture started');
    return running(db, ownDb, log, capture, method, o, logger);
  } catch (e) {
    await capture?.stop().catch(() => undefined);
    await log?.close().catch(() => undefined);
    if (ownDb) await db.close().catch(() => undefined);
    throw e;
  }
}

async function prepareLegacy(db: Database, method: CaptureMethod, o: CaptureRunOptions): Promise<void> {
  await ensureWatermarkTable(db);
  switch (method) {
    case 'trigger': await installTriggers(db, o.tables); break;
    case 'pgoutput': {
      await ensurePublicationAndSlot(db, o.source, o.slot, o.slot, [...o.tables, WATERMARK_TABLE], true);
      if (o.setReplicaIdentity) {
        const missing = await tablesWithoutFullIdentity(db, o.tables);
        if (missing.length) await setReplicaIdentityFull(db, missing);
      }
      break;
    }
    case 'binlog': break; // the server's binary log is all it needs (checked when capture starts)
  }
}

function running(db: Database, ownDb: boolean, log: EventLog, capture: CaptureSource, method: CaptureMethod, o: CaptureRunOptions,
  logger: ReturnType<typeof createLogger>): CaptureRun {
  const timer = o.statusEveryMs ? setInterval(() => {
    void capture.status().then(async (s) => {
      const stats = await log.stats();
      captureMetrics.logEntries().set({ source: o.source }, stats.entries);
      logger.info({ status: s, logEntries: stats.entries }, 'capture status');
    }).catch(() => undefined);
  }, o.statusEveryMs) : null;
  timer?.unref();
  let stopping: Promise<void> | null = null;
  return {
    method, source: o.source, db, log, capture, finished: capture.finished,
    status: () => capture.status(),
    stop() {
      stopping ??= (async () => {
        if (timer) clearInterval(timer);
        try {
          await capture.stop().catch(() => undefined);
          await capture.finished.catch(() => undefined);
          logger.info({ status: await capture.status().catch(() => null) }, 'capture stopped');
        } finally {
          await log.close().catch(() => undefined);
          if (ownDb) await db.close().catch(() => undefined);
        }
      })();
      return stopping;
    },
  };
}

/** Resolves at the first SIGINT or SIGTERM (listeners removed afterwards), or when `signal` aborts. */
export function untilSignalled(signal?: AbortSignal): Promise<NodeJS.Signals | 'aborted'> {
  return new Promise((resolve) => {
    const done = (s: NodeJS.Signals | 'aborted') => {
      process.off('SIGINT', onInt); process.off('SIGTERM', onTerm); signal?.removeEventListener('abort', onAbort);
      resolve(s);
    };
    const onInt = () => done('SIGINT'), onTerm = () => done('SIGTERM'), onAbort = () => done('aborted');
    process.once('SIGINT', onInt); process.once('SIGTERM', onTerm);
    if (signal?.aborted) done('aborted'); else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
