/**
 * Backfill (DESIGN.md "Backfill interleaved with capture"). Wiring, in this order:
 *
 *   const capture = createCapture(...); await capture.start(logSink(log, source));      // 1. capture first
 *   const path = new DataPath({ log, applier });  await path.start();                    // 2. log → merger → applier
 *   const backfill = createBackfill({ tables: [{ table: 'customers' }], throttle }, { legacy, source, applier, path, settings: stateStore });
 *   await backfill.start();   // 3. probe watermark round trip, then chunks; backfill.status() for progress
 *   await backfill.finished;  // every table copied (capture and the path keep following legacy)
 *
 * `siphon backfill pause|resume`: setBackfillPause(stateStore, true|false, reason). Re-apply: backfill.reapply(table, range).
 */
export type {
  Backfill, BackfillOptions, BackfillState, BackfillStatus, BackfillTableSpec, BackfillTableState, BackfillTableStatus,
  KeyRange, OperatorPause, PauseReason, ReapplyResult, ThrottleOptions,
} from './types.js';
export { createBackfill, type BackfillDeps } from './backfill.js';
export { DataPath, APPLY_CONSUMER, type ChunkOutcome, type DataPathOptions, type DataPathStatus } from './data-path.js';
export { DblogMerger, keyOf, readChange, type ChunkSpec, type ChunkCheckpoint, type GroupSpec, type MergeOutput } from './merger.js';
export { Throttle, type ThrottleDeps } from './throttle.js';
export { PAUSE_SETTING, readBackfillPause, setBackfillPause, type SettingsStore as PauseSettingsStore } from './pause.js';
export { cursorConsumer, decodeCursor, encodeCursor, type ChunkCursor } from './cursor.js';
export { chunkKey } from './table-copy.js';
export * from './errors.js';
