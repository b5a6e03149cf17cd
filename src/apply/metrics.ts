import { counter, histogram } from '../observe/metrics.js';
import type { ApplyBatchResult } from './types.js';

/** Apply batches are tens to thousands of changes in one next transaction: milliseconds to tens of seconds. */
const BATCH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Metrics of apply as the data path drives it (one registry per process, see src/observe/metrics.ts). */
export function applyMetrics() {
  return {
    batches: counter<'kind' | 'result'>({
      name: 'siphon_apply_batches_total', help: 'Apply batches by kind (stream: captured changes, chunk: backfill rows) and result (ok, retried, failed)',
      labelNames: ['kind', 'result'],
    }),
    duration: histogram<'kind'>({ name: 'siphon_apply_batch_duration_seconds', help: 'Duration of an apply batch (one next transaction, retries included)', labelNames: ['kind'], buckets: BATCH_BUCKETS }),
    changes: counter<'outcome'>({
      name: 'siphon_apply_changes_total', help: 'Changes applied by outcome (written, deleted, stale: next already newer, quarantined, waiting: parked for a parent)',
      labelNames: ['outcome'],
    }),
  };
}

export function countApplied(m: ReturnType<typeof applyMetrics>, r: ApplyBatchResult): void {
  if (r.written) m.changes.inc({ outcome: 'written' }, r.written);
  if (r.deleted) m.changes.inc({ outcome: 'deleted' }, r.deleted);
  if (r.stale) m.changes.inc({ outcome: 'stale' }, r.stale);
  if (r.quarantined) m.changes.inc({ outcome: 'quarantined' }, r.quarantined);
  if (r.waiting) m.changes.inc({ outcome: 'waiting' }, r.waiting);
}
