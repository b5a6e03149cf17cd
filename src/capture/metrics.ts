import { counter, gauge } from '../observe/metrics.js';

/** Prometheus metrics of capture. Labels are low-cardinality: source name, table, op. */
export const captureMetrics = {
  changes: () => counter<'source' | 'table' | 'op'>({
    name: 'siphon_capture_changes_total', help: 'Records captured into the log, by source, table and op (insert/update/delete/ddl/watermark)',
    labelNames: ['source', 'table', 'op'],
  }),
  lagSeconds: () => gauge<'source'>({
    name: 'siphon_capture_lag_seconds', help: 'Log append time minus source commit time of the last captured change',
    labelNames: ['source'],
  }),
  lagPositions: () => gauge<'source'>({
    name: 'siphon_capture_lag_positions', help: 'How far the source is ahead of the stored capture position (WAL/binlog bytes, or pending trigger rows)',
    labelNames: ['source'],
  }),
  logEntries: () => gauge<'source'>({
    name: 'siphon_capture_log_entries', help: 'Entries in the event log capture writes to', labelNames: ['source'],
  }),
};
