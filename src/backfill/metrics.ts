import { counter } from '../observe/metrics.js';

/** Backfill progress as counters (rows and chunks copied per legacy table since the process started). */
export function backfillMetrics() {
  return {
    rows: counter<'table'>({ name: 'siphon_backfill_rows_total', help: 'Legacy rows copied by the backfill, by legacy table', labelNames: ['table'] }),
    chunks: counter<'table' | 'result'>({ name: 'siphon_backfill_chunks_total', help: 'Backfill chunks by legacy table and result (applied, lost: read again from the cursor)', labelNames: ['table', 'result'] }),
  };
}
