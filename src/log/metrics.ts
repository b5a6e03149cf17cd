import { counter, gauge } from '../observe/metrics.js';
import type { LogRecord } from './change.js';
import type { LogStats } from './types.js';

/**
 * Log metrics. Labels: the log's redacted name, the record kind, the table and op (tables are a bounded, configured
 * set, so the cardinality stays low).
 */
function appended() {
  return counter<'log' | 'kind' | 'table' | 'op'>({
    name: 'siphon_log_appended_total', help: 'Records appended to the event log', labelNames: ['log', 'kind', 'table', 'op'],
  });
}
function batches() {
  return counter<'log'>({ name: 'siphon_log_append_batches_total', help: 'Append batches committed to the event log', labelNames: ['log'] });
}
function entries() {
  return gauge<'log'>({ name: 'siphon_log_entries', help: 'Entries currently held by the event log', labelNames: ['log'] });
}
function bytes() {
  return gauge<'log'>({ name: 'siphon_log_bytes', help: 'Stored size of the event log in bytes (when known)', labelNames: ['log'] });
}

export function recordAppend(log: string, records: readonly LogRecord[]): void {
  if (records.length === 0) return;
  // Aggregate first: one counter update per (kind, table, op) rather than per record keeps the hot path cheap.
  const counts = new Map<string, { kind: string; table: string; op: string; n: number }>();
  for (const r of records) {
    const op = r.kind === 'change' ? r.op : '';
    const table = r.table ?? '';
    const k = `${r.kind}\u0000${table}\u0000${op}`;
    const c = counts.get(k);
    if (c) c.n++; else counts.set(k, { kind: r.kind, table, op, n: 1 });
  }
  const m = appended();
  for (const c of counts.values()) m.inc({ log, kind: c.kind, table: c.table, op: c.op }, c.n);
  batches().inc({ log });
}

/** Publish a stats() snapshot as gauges (called by whoever polls stats: CLI, control plane). */
export function recordStats(log: string, s: LogStats): void {
  entries().set({ log }, s.entries);
  if (s.bytes !== null) bytes().set({ log }, s.bytes);
}
