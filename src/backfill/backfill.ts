import { randomUUID } from 'node:crypto';
import type { Applier } from '../apply/types.js';
import type { Database } from '../backends/types.js';
import { writeWatermark } from '../capture/watermark.js';
import type { DataPath } from './data-path.js';
import { BackfillConfigError, WatermarkWriteError } from './errors.js';
import type { SettingsStore } from './pause.js';
import { readBackfillPause } from './pause.js';
import { RateMeter } from './rate.js';
import type { CopyContext, TableProgress } from './table-copy.js';
import { chunkKey, copyTable } from './table-copy.js';
import { Throttle } from './throttle.js';
import { copyParentsFirst } from './order.js';
import type {
  Backfill, BackfillOptions, BackfillState, BackfillStatus, BackfillTableState, BackfillTableStatus, KeyRange, ReapplyResult,
} from './types.js';

export interface BackfillDeps {
  /** The legacy database (reads chunks, writes watermarks). */
  readonly legacy: Database;
  /** The capture source's name (RowChange.source). */
  readonly source: string;
  readonly applier: Applier;
  /** The running log consumer path (started before `start()`): the merger sits on it. */
  readonly path: DataPath;
  /** Where the operator pause is read (state store); null: no operator pause. */
  readonly settings: SettingsStore | null;
  /** Capture→apply lag in seconds for the throttle; default: the data path's own measure. */
  readonly lagSeconds?: () => number | null;
}

interface TableRun {
  readonly table: string;
  readonly capturedAs: string;
  readonly after: readonly string[] | undefined;
  state: BackfillTableState;
  estimate: number | null;
  error: string | null;
  readonly progress: TableProgress;
  readonly meter: RateMeter;
}

/**
 * The backfill: every table copied in DBLog chunks through the data path, tables in parallel (bounded), throttled.
 * Order is enforced here, not left to the caller: `start()` writes a probe watermark and reads no chunk before it has
 * come back through capture and the data path, so capture provably runs before the first chunk is read.
 */
export function createBackfill(options: BackfillOptions, deps: BackfillDeps): Backfill {
  const chunkSize = options.chunkSize ?? 5000;
  const parallel = options.parallelTables ?? 2;
  const depth = options.pipelineDepth ?? 2;
  for (const [name, v] of [['chunkSize', chunkSize], ['parallelTables', parallel], ['pipelineDepth', depth]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new BackfillConfigError(`backfill ${name} must be a positive integer, got ${v}`, { [name]: v });
  }
  const seen = new Set<string>();
  for (const t of options.tables) {
    if (seen.has(t.table)) throw new BackfillConfigError(`table ${t.table} is listed twice for backfill`, { table: t.table });
    seen.add(t.table);
  }
  const runs: TableRun[] = options.tables.map((t) => ({
    table: t.table, capturedAs: t.capturedAs ?? t.table, after: t.after, state: 'pending', estimate: null, error: null,
    progress: { rowsCopied: 0, chunksDone: 0, chunksRetried: 0, rowsEvicted: 0 }, meter: new RateMeter(),
  }));
  for (const r of runs) r.progress.onRows = (n) => r.meter.add(n);
  const throttle = new Throttle(options.throttle ?? {}, {
    legacy: deps.legacy,
    lagSeconds: deps.lagSeconds ?? (() => deps.path.lagSeconds()),
    readPause: deps.settings ? () => readBackfillPause(deps.settings!) : null,
  });
  let state: BackfillState = 'idle';
  let error: string | null = null;
  let stopping = false;
  let resolveFinished!: () => void;
  let rejectFinished!: (e: unknown) => void;
  const finished = new Promise<void>((res, rej) => { resolveFinished = res; rejectFinished = rej; });
  finished.catch(() => undefined);
  let work: Promise<void> = Promise.resolve();

  const ctx: CopyContext = { legacy: deps.legacy, source: deps.source, applier: deps.applier, path: deps.path, throttle, chunkSize, depth, stopped: () => stopping };

  async function verifyCapture(): Promise<void> {
    const id = `probe:${randomUUID()}`;
    const seenProbe = deps.path.expectProbe(id);
    try {
      await writeWatermark(deps.legacy, id, 'low', null);
    } catch (e) {
      throw new WatermarkWriteError(id, e);
    }
    await seenProbe;
  }

  /** Tables in parallel (bounded), parents first (order.ts): child chunks then find their parents in next. */
  async function copyAll(): Promise<void> {
    await copyParentsFirst(runs, parallel, async (r) => {
      r.state = 'copying';
      try {
        r.estimate ??= await deps.legacy.countRows(r.table);
        await copyTable(ctx, r.table, r.capturedAs, r.progress);
        r.state = stopping ? 'pending' : 'done';
        return r.state === 'done';
      } catch (e) {
        r.state = 'failed';
        r.error = e instanceof Error ? e.message : String(e);
        throw e;
      }
    }, () => stopping);
  }

  function tableStatus(r: TableRun): BackfillTableStatus {
    const rate = r.meter.rate();
    const left = r.estimate === null ? null : Math.max(0, r.estimate - r.progress.rowsCopied);
    return {
      table: r.table, state: r.state, rowsCopied: r.progress.rowsCopied, rowsEstimate: r.estimate,
      chunksDone: r.progress.chunksDone, chunksRetried: r.progress.chunksRetried, rowsEvicted: r.progress.rowsEvicted,
      rowsPerSecond: rate, etaSeconds: r.state === 'done' ? 0 : left !== null && rate > 0 ? left / rate : null, error: r.error,
    };
  }

  return {
    async start() {
      if (state !== 'idle' && state !== 'stopped') return;
      stopping = false;
      state = 'waiting-for-capture';
      // checks every table's key before anything is written, so a bad table is refused at once
      for (const r of runs) chunkKey(await deps.legacy.describeTable(r.table, { fresh: true }));
      work = (async () => {
        await verifyCapture();
        state = 'copying';
        await copyAll();
      })().then(
        () => { state = stopping ? 'stopped' : 'done'; resolveFinished(); },
        (e: unknown) => { state = 'failed'; error = e instanceof Error ? e.message : String(e); rejectFinished(e); },
      );
    },
    async stop() {
      stopping = true;
      await work;
    },
    status(): BackfillStatus {
      const tables = runs.map(tableStatus);
      const reason = state === 'waiting-for-capture' ? { kind: 'waiting-for-capture' as const } : state === 'copying' ? throttle.reason() : null;
      const estimates = tables.map((t) => t.rowsEstimate);
      const rowsEstimate = estimates.every((e) => e !== null) ? estimates.reduce<number>((a, b) => a + b!, 0) : null;
      const rowsCopied = tables.reduce((a, t) => a + t.rowsCopied, 0);
      const rate = tables.reduce((a, t) => a + t.rowsPerSecond, 0);
      return {
        state: state === 'copying' && reason !== null ? 'paused' : state, pauseReason: reason, tables, rowsCopied, rowsEstimate,
        rowsPerSecond: rate, etaSeconds: state === 'done' ? 0 : rowsEstimate !== null && rate > 0 ? Math.max(0, rowsEstimate - rowsCopied) / rate : null, error,
      };
    },
    async reapply(table: string, range: KeyRange = {}): Promise<ReapplyResult> {
      const spec = options.tables.find((t) => t.table === table);
      const capturedAs = spec?.capturedAs ?? table;
      const progress: TableProgress = { rowsCopied: 0, chunksDone: 0, chunksRetried: 0, rowsEvicted: 0 };
      await copyTable(ctx, table, capturedAs, progress, { origin: 'reapply', after: range.after, until: range.until });
      return { table, rowsRead: progress.rowsCopied, chunks: progress.chunksDone };
    },
    finished,
  };
}
