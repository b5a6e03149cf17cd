import { SiphonError } from '../errors.js';

/** Base of backfill errors: each names the table and what to do. */
export class BackfillError extends SiphonError {}

/** Bad backfill options or a table that cannot be paged safely. Exit code 2 in the CLI. */
export class BackfillConfigError extends BackfillError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('BACKFILL_CONFIG', message, context);
  }
}

/** A table whose rows cannot be paged by key without skipping some: no primary key and no NOT NULL unique key. */
export class BackfillKeyError extends BackfillError {
  constructor(table: string, detail: string) {
    super('BACKFILL_NO_SAFE_KEY',
      `cannot backfill ${table}: ${detail}. Keyset chunks need a primary key or a unique key whose columns are all NOT NULL ` +
      '(rows with NULL in a unique key are neither ordered nor matched by key). Add a primary key, or make the unique key NOT NULL',
      { table });
  }
}

/** The stored chunk cursor of a table cannot be read (hand-edited or written by another version). */
export class BackfillCursorError extends BackfillError {
  constructor(consumer: string, text: string, reason: string) {
    super('BACKFILL_CURSOR', `the stored backfill cursor of ${consumer} is unreadable (${reason}): ${text.slice(0, 200)}`, { consumer, reason });
  }
}

/** A table's chunks kept failing (lost windows, apply conflicts) without progress. */
export class BackfillStalledError extends BackfillError {
  constructor(table: string, attempts: number, lastReason: string) {
    super('BACKFILL_STALLED', `backfill of ${table} made no progress in ${attempts} chunk attempts; last: ${lastReason}`, { table, attempts, lastReason });
  }
}

/** Writing a DBLog watermark into legacy failed (watermark table missing, no write right). */
export class WatermarkWriteError extends BackfillError {
  constructor(id: string, cause: unknown) {
    const m = cause instanceof Error ? cause.message : String(cause);
    super('BACKFILL_WATERMARK', `cannot write backfill watermark ${id} into legacy: ${m}. ` +
      'The watermark table is created by `siphon capture install` (and captured with the other tables)', { id }, { cause });
  }
}
