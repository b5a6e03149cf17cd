import { backfillMetrics } from './metrics.js';
import { randomUUID } from 'node:crypto';
import type { ApplyOrigin, Applier } from '../apply/types.js';
import type { Database, TableInfo } from '../backends/types.js';
import { captureKey } from '../capture/tables.js';
import { writeWatermark } from '../capture/watermark.js';
import type { Row, Value } from '../values/index.js';
import type { ChunkCursor } from './cursor.js';
import { cursorConsumer, decodeCursor, encodeCursor } from './cursor.js';
import type { ChunkOutcome, DataPath } from './data-path.js';
import { BackfillKeyError, BackfillStalledError, DataPathDownError, WatermarkWriteError } from './errors.js';
import type { ChunkCheckpoint } from './merger.js';
import type { Throttle } from './throttle.js';

/**
 * One table's copy: keyset chunks `key > after ORDER BY key LIMIT n` (the adapters' `readPage`: ordered and bounded
 * by the same key expression in SQL, so a chunk boundary is the engine's, never JavaScript's), each wrapped in DBLog
 * watermarks and applied through the data path with the table's cursor moved in the same next transaction.
 * Up to `depth` chunks are in flight; a lost chunk drains the pipeline and the copy goes on from the stored cursor.
 */

export interface CopyContext {
  readonly legacy: Database;
  readonly source: string;
  readonly applier: Applier;
  readonly path: DataPath;
  readonly throttle: Throttle;
  readonly chunkSize: number;
  readonly depth: number;
  readonly stopped: () => boolean;
}

export interface TableProgress {
  rowsCopied: number;
  chunksDone: number;
  chunksRetried: number;
  rowsEvicted: number;
  onRows?: (n: number) => void;
}

/** The key chunks are paged by: the key capture uses, refused with a clear message when unsafe. */
export function chunkKey(info: TableInfo): readonly string[] {
  const key = captureKey(info);
  if (key) return key;
  const nullable = info.uniqueKeys.filter((uk) => uk.length > 0);
  if (nullable.length > 0) {
    throw new BackfillKeyError(info.name, `it has no primary key, and its unique key(s) ${nullable.map((k) => `(${k.join(', ')})`).join(', ')} allow NULL`);
  }
  throw new BackfillKeyError(info.name, 'it has no primary key and no unique key');
}

const MAX_ATTEMPTS_WITHOUT_PROGRESS = 20;

interface InFlight {
  readonly outcome: Promise<ChunkOutcome>;
}

/**
 * Copy `table` from its stored cursor (origin 'backfill') or a key range without cursor (origin 'reapply').
 * Returns when the table is done or `stopped()`.
 */
export async function copyTable(ctx: CopyContext, table: string, capturedAs: string, progress: TableProgress,
  range: { origin: ApplyOrigin; after?: readonly Value[]; until?: readonly Value[] } = { origin: 'backfill' }): Promise<void> {
  const info = await ctx.legacy.describeTable(table, { fresh: true });
  const key = chunkKey(info);
  const consumer = range.origin === 'backfill' ? cursorConsumer(capturedAs) : null;
  let failures = 0;
  let lastReason = '';
  const metrics = backfillMetrics();
  for (;;) {
    // (re)start from the stored cursor: after a crash, after a lost chunk
    const storedText = consumer ? await ctx.applier.checkpoint(consumer) : null;
    let cursor: ChunkCursor = consumer ? decodeCursor(consumer, storedText) : { after: range.after ?? null, rows: 0, done: false };
    let expected = storedText;
    progress.rowsCopied = cursor.rows;
    if (cursor.done) return;
    const inFlight: InFlight[] = [];
    let lost: string | null = null;
    const settleOldest = async () => {
      const o = await inFlight.shift()!.outcome;
      if (o.kind === 'lost') { metrics.chunks.inc({ table: capturedAs, result: 'lost' }); lost ??= o.reason; return; }
      metrics.chunks.inc({ table: capturedAs, result: 'applied' });
      metrics.rows.inc({ table: capturedAs }, o.read);
      progress.chunksDone++;
      progress.rowsEvicted += o.evicted;
      progress.rowsCopied += o.read;
      progress.onRows?.(o.read);
      failures = 0;
    };
    while (!cursor.done && lost === null) {
      if (!(await ctx.throttle.admit(ctx.stopped))) break;
      const id = `bf:${capturedAs}:${randomUUID()}`;
      const outcome = ctx.path.expectChunk({ id, source: ctx.source, table: capturedAs, key, origin: range.origin });
      let rows: Row[];
      try {
        await watermark(ctx.legacy, id, 'low', capturedAs);
        rows = await ctx.legacy.readPage({ table, key, after: cursor.after ?? undefined, until: range.until, limit: ctx.chunkSize });
      } catch (e) {
        ctx.path.abandon(id, 'read failed');
        throw e;
      }
      const last = rows[rows.length - 1];
      const next: ChunkCursor = {
        after: last ? key.map((c) => last[c] ?? null) : cursor.after,
        rows: cursor.rows + rows.length,
        done: rows.length < ctx.chunkSize,
      };
      const nextText = encodeCursor(next);
      const checkpoint: ChunkCheckpoint | null = consumer ? { consumer, expected, next: nextText } : null;
      ctx.path.register(id, rows, checkpoint);
      ctx.throttle.account(rows.length);
      try {
        await watermark(ctx.legacy, id, 'high', capturedAs);
      } catch (e) {
        ctx.path.abandon(id, 'high watermark write failed');
        throw e;
      }
      inFlight.push({ outcome });
      cursor = next;
      expected = nextText;
      while (inFlight.length >= ctx.depth || (cursor.done && inFlight.length > 0)) await settleOldest();
    }
    while (inFlight.length > 0) await settleOldest();
    if (lost === null) return; // done or stopped
    if (ctx.stopped()) return;
    const pathState = ctx.path.status().state;
    if (pathState !== 'running') throw new DataPathDownError(table, pathState, lost);
    progress.chunksRetried++;
    lastReason = lost;
    if (++failures >= MAX_ATTEMPTS_WITHOUT_PROGRESS) throw new BackfillStalledError(table, failures, lastReason);
  }
}

async function watermark(db: Database, id: string, phase: 'low' | 'high', table: string): Promise<void> {
  try {
    await writeWatermark(db, id, phase, table);
  } catch (e) {
    throw new WatermarkWriteError(id, e);
  }
}
