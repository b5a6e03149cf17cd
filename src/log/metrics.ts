import { Gauge } from 'prom-client';
import { counter, metricsRegistry } from '../observe/metrics.js';
import type { LogRecord } from './change.js';
import type { EventLog, LogStats } from './types.js';

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
// Open logs whose size is read at scrape time (a stats() call per log per scrape: count + size, cheap enough at
// Prometheus intervals). A log that fails to answer keeps its last value rather than failing the scrape.
const tracked = new Set<EventLog>();
const last = new Map<string, LogStats>();

async function refresh(): Promise<void> {
  await Promise.all([...tracked].map(async (l) => { try { last.set(l.name, await l.stats()); } catch { /* keep last */ } }));
}

function sizeGauge(name: string, help: string, pick: (s: LogStats) => number | null): Gauge<'log'> {
  const existing = metricsRegistry().getSingleMetric(name) as Gauge<'log'> | undefined;
  if (existing) return existing;
  return new Gauge<'log'>({
    name, help, labelNames: ['log'], registers: [metricsRegistry()],
    async collect() {
      if (name === 'siphon_log_entries') await refresh();
      for (const [log, s] of last) { const v = pick(s); if (v !== null) this.set({ log }, v); }
    },
  });
}
function entries() {
  return sizeGauge('siphon_log_entries', 'Entries currently held by the event log', (s) => s.entries);
}
function bytes() {
  return sizeGauge('siphon_log_bytes', 'Stored size of the event log in bytes (when known)', (s) => s.bytes);
}

/** Report this log's size on every scrape until it is closed (openLog does this). */
export function trackLogSize(log: EventLog): void {
  tracked.add(log);
  entries(); bytes();
}

export function untrackLogSize(log: EventLog): void {
  tracked.delete(log);
  if (![...tracked].some((l) => l.name === log.name)) {
    last.delete(log.name);
    entries().remove({ log: log.name });
    bytes().remove({ log: log.name });
  }
}

/** Registers the append metrics before the first append: dashboards and alerts see the names from the start. */
export function registerLogMetrics(): void {
  appended(); batches();
}

export function recordAppend(log: string, records: readonly LogRecord[]): void {
  if (records.length === 0) return;
  // Aggregate first: one counter update per (kind, table, op) rather than per record keeps the hot path cheap.
  // Runs of records with the same (kind, table, op) are counted without building a key: a batch is mostly a few runs.
  const counts = new Map<string, { kind: string; table: string; op: string; n: number }>();
  let run: { kind: string; table: string; op: string; n: number } | null = null;
  for (const r of records) {
    const op = r.kind === 'change' ? r.op : '';
    const table = r.table ?? '';
    if (run !== null && run.kind === r.kind && run.table === table && run.op === op) { run.n++; continue; }
    const k: string = `${r.kind}\u0000${table}\u0000${op}`;
    run = counts.get(k) ?? null;
    if (run) run.n++; else { run = { kind: r.kind, table, op, n: 1 }; counts.set(k, run); }
  }
  const m = appended();
  for (const c of counts.values()) m.inc({ log, kind: c.kind, table: c.table, op: c.op }, c.n);
  batches().inc({ log });
}

/** Publish a stats() snapshot as gauges (for callers that already have one: CLI stats). */
export function recordStats(log: string, s: LogStats): void {
  last.set(log, s);
  entries().set({ log }, s.entries);
  if (s.bytes !== null) bytes().set({ log }, s.bytes);
}
