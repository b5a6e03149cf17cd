import os from 'node:os';
import { recordVerifyMetrics } from './metrics.js';
import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { Redactor } from '../gateway/diff/redact.js';
import type { JsonValue, StateStore } from '../state/types.js';
import type { StoredDifference, VerifyResultStore } from '../state/verify/types.js';
import { keyToText } from '../values/index.js';
import { VerifyUsageError } from './errors.js';
import { markVerified, type EntityMarks } from './ledger.js';
import { storeQuarantineView } from './quarantine-view.js';
import { NO_SETTLE, type Settler } from './settle.js';
import { sharedNextTables, type TablePlan } from './table-plan.js';
import { RateThrottle, type Throttle } from './throttle.js';
import type { Difference, TableVerifyReport, VerifyReport } from './types.js';
import { verifyNamedTable } from './named-table.js';
import type { TableHooks } from './threads/thread-slot.js';
import { verifyTablesInParallel, type VerifyTask } from './threads/schedule.js';
import { reportsOf, runTasks } from './threads/split-tables.js';
import { verifyThreadEntry } from './threads/thread-bundle.js';
import { NO_QUARANTINE } from './verify-table.js';

export interface VerifyRunOptions {
  readonly config: ResolvedConfig;
  readonly legacy: Database;
  readonly next: Database;
  /** Only this legacy table. */
  readonly table?: string;
  /** Only the tables of this entity; with `key`, only the rows of that one entity. */
  readonly entity?: string;
  readonly key?: string;
  /** Quarantine (open items count apart) and ledger (`verified`). */
  readonly state?: StateStore;
  /** Where every difference and the per-table figures go. */
  readonly results?: VerifyResultStore;
  /** Waits for apply before a re-check (default: none, a re-check is a plain second read). */
  readonly settler?: Settler;
  readonly throttle?: Throttle;
  readonly chunkSize?: number;
  readonly maxRounds?: number;
  readonly maxReported?: number;
  readonly signal?: AbortSignal;
  readonly mode?: string;
  readonly onProgress?: (table: string, done: number, total: number) => void;
  /**
   * Threads to verify with (default 1: this one). More verify whole tables side by side in verify threads, each of
   * which loads the config file again (so only for a config loaded from a file, whose `legacy.db` and `next.db` are
   * the databases given here). `'auto'`: `autoThreads(cores)` (one per core but one, at most 4; two on two cores) for
   * runs of at least 50,000 legacy rows.
   */
  readonly threads?: number | 'auto';
  /**
   * With threads: whether the main thread verifies tables too (default true). false: `threads` verify threads do
   * all of it and this thread only answers them — for a process that must stay responsive (a server embedding
   * verify), and how the tests make sure tables really go through threads.
   */
  readonly mainThreadVerifies?: boolean;
  /**
   * With threads: whether large tables are verified in key ranges shared between the threads (default true; see
   * `parts.ts`) rather than each by one thread. Off, a table is the smallest unit of work.
   */
  readonly split?: boolean;
  /** Legacy rows per range of a split table (default: the run's rows / (verify slots × 8), at least 25,000). */
  readonly partRows?: number;
  /** Called with the legacy row count of each table before the run (one COUNT each; progress totals). */
  readonly onTables?: (sizes: ReadonlyMap<string, number>) => void;
  /** Something the user should know that changes no result (a verify thread that could not start). */
  readonly onWarning?: (message: string) => void;
}

/** Legacy rows from which `threads: 'auto'` verifies with several threads (a thread costs ~0.5–1 s to start). */
export const AUTO_THREADS_MIN_ROWS = 50_000;

/**
 * Threads for `auto` on a machine with `cores`: one per core but one (the databases, when they run here, keep a core),
 * at most 4 — and two on two cores. Measured there with both databases local (bench:verify, 1 M rows, rounds
 * alternating two threads / one): 4 Dec 2026, 145 k against 136 k rows/s and in 7 rounds of 7 faster by 5–29 %
 * (`siphon verify` from the shell: 3 of 3, 4–16 % less wall time); the session before, on another machine, 105 k
 * against 100 k. MariaDB and PostgreSQL took ~27 % of a core while one thread verified, so half a core sat idle.
 */
export function autoThreads(cores: number): number {
  return cores >= 3 ? Math.min(4, cores - 1) : cores === 2 ? 2 : 1;
}

async function threadsFor(o: VerifyRunOptions, names: readonly string[]): Promise<{ threaded: boolean; count: number; sizes: Map<string, number> }> {
  const wanted = o.threads ?? 1;
  const sizes = new Map<string, number>();
  const coordinate = o.mainThreadVerifies === false;
  const one = { threaded: false, count: 1, sizes };
  if (o.key !== undefined || (wanted === 1 && !coordinate && !o.onTables)) return one;
  const counts = await Promise.all(names.map((n) => o.legacy.countRows(n).catch(() => 0)));
  names.forEach((n, i) => sizes.set(n, counts[i]!));
  o.onTables?.(sizes);
  const want = wanted === 'auto' ? (counts.reduce((a, b) => a + b, 0) >= AUTO_THREADS_MIN_ROWS ? autoThreads(os.availableParallelism()) : 1) : wanted;
  // more threads than tables only when tables may be split into ranges (`split`): then one large table shares them
  const count = o.split === false ? Math.min(names.length, want) : want;
  if (count === 1 && !coordinate) return { ...one, sizes };
  if (!o.config.file) {
    o.onWarning?.('verify threads need a config loaded from a file (each thread loads it again): verifying on one thread');
    return { ...one, sizes };
  }
  return { threaded: true, count, sizes };
}

/** For each entity root in `names`, the entity's other tables in `names`: the root is verified after them. */
function rootsAfterTheirTables(config: ResolvedConfig, names: readonly string[]): Map<string, string[]> {
  const after = new Map<string, string[]>();
  for (const [entity, e] of Object.entries(config.entities)) {
    if (!names.includes(e.root)) continue;
    after.set(e.root, names.filter((t) => t !== e.root && config.tables[t]?.entity === entity));
  }
  return after;
}

/** Which legacy tables a run covers, in an order that verifies an entity's root table last (ledger marks). */
export function selectTables(config: ResolvedConfig, o: Pick<VerifyRunOptions, 'table' | 'entity' | 'key'>): string[] {
  const all = Object.keys(config.tables);
  if (o.key !== undefined && o.entity === undefined) throw new VerifyUsageError('--key', 'needs --entity (the key is an entity key)');
  if (o.table !== undefined) {
    if (o.entity !== undefined) throw new VerifyUsageError('--table', 'give either --table or --entity, not both');
    if (!config.tables[o.table]) throw new VerifyUsageError('--table', `"${o.table}" is not a mapped legacy table (mapped: ${all.join(', ')})`);
    return [o.table];
  }
  let chosen = all;
  if (o.entity !== undefined) {
    if (!config.entities[o.entity]) throw new VerifyUsageError('--entity', `"${o.entity}" is not an entity of the config (entities: ${Object.keys(config.entities).join(', ') || 'none'})`);
    chosen = all.filter((t) => config.tables[t]!.entity === o.entity);
  }
  const roots = new Set(Object.values(config.entities).map((e) => e.root));
  return [...chosen.filter((t) => !roots.has(t)), ...chosen.filter((t) => roots.has(t))];
}

/** Differences as stored: values of personal-data columns hidden, patterns (e-mails, phones, IBANs) masked. */
export function redactDifference(r: Redactor, d: Difference): StoredDifference {
  const hide = (column: string, v: Difference['columns'][number]['expected']): JsonValue =>
    v === null || typeof v === 'boolean' ? v : r.isSensitiveField(column) ? '***' : r.text(v);
  const keyText = Object.values(d.key).map((v) => JSON.stringify(v)).join('|');
  return {
    sourceTable: d.sourceTable, nextTable: d.nextTable, keyText, kind: d.kind,
    legacyKey: d.legacyKey as JsonValue,
    columns: d.columns.map((c) => ({ column: c.column, expected: hide(c.column, c.expected), actual: hide(c.column, c.actual) })),
  };
}

export function exitCodeOf(tables: readonly TableVerifyReport[]): VerifyReport['exitCode'] {
  if (tables.some((t) => t.verdict === 'inconclusive')) return 3;
  return tables.some((t) => t.verdict === 'differences') ? 1 : 0;
}

/** One verification of the selected tables (a full pass, or one entity's rows with `key`). */
export async function runVerify(o: VerifyRunOptions): Promise<VerifyReport> {
  const startedAt = new Date().toISOString();
  const names = selectTables(o.config, o);
  const shared = sharedNextTables(o.config);
  const redactor = new Redactor();
  const throttle = o.throttle ?? new RateThrottle();
  const scope = o.table ? `table:${o.table}` : o.entity ? `entity:${o.entity}${o.key !== undefined ? ` key:${o.key}` : ''}` : 'all';
  const runId = await o.results?.startRun({ mode: o.mode ?? (o.key !== undefined ? 'keys' : 'full'), scope });
  const sink = o.results && runId !== undefined ? async (ds: readonly Difference[]) => o.results!.addDifferences(runId, ds.map((d) => redactDifference(redactor, d))) : undefined;
  // ledger marks only when every table of an entity is verified in this run, over all its rows
  const marks: EntityMarks | undefined = o.state && o.table === undefined && o.key === undefined ? { bad: new Set(), state: o.state, config: o.config, legacy: o.legacy, since: new Date(startedAt) } : undefined;
  // per table, what its verification asks of this thread (the same whether it runs here or in a verify thread)
  const hooks = new Map<string, TableHooks>();
  const tableHooks = (name: string): TableHooks => {
    let h = hooks.get(name);
    if (!h) {
      h = {
        throttle, settler: o.settler ?? NO_SETTLE, quarantined: o.state ? storeQuarantineView(o.state, name) : NO_QUARANTINE,
        ...(sink ? { sink } : {}),
        ...(marks ? { onMatched: (rows) => markVerified(marks, { table: o.config.tables[name]! }, rows), onDifferent: (k) => { marks.bad.add(String(k)); } } : {}),
        ...(o.onProgress ? { onProgress: (done: number, total: number) => o.onProgress!(name, done, total) } : {}),
      };
      hooks.set(name, h);
    }
    return h;
  };
  const threads = await threadsFor(o, names);
  // a range of a split table reports its own progress: the table's is the sum of its ranges', out of its rows
  const tasksById = new Map<string, VerifyTask>();
  const plans = new Map<string, Promise<TablePlan>>(); // split tables' plans, for their ranges on this thread
  const partDone = new Map<string, Map<string, number>>();
  const taskHooks = new Map<string, TableHooks>();
  const hooksOf = (id: string): TableHooks => {
    const t = tasksById.get(id);
    if (!t?.part || !o.onProgress) return tableHooks(t?.table ?? id);
    let h = taskHooks.get(id);
    if (!h) {
      const table = t.table;
      taskHooks.set(id, h = { ...tableHooks(table), onProgress: (done: number) => {
        let m = partDone.get(table); if (!m) partDone.set(table, (m = new Map()));
        m.set(id, done);
        let sum = 0; for (const d of m.values()) sum += d;
        o.onProgress!(table, sum, threads.sizes.get(table) ?? sum);
      } });
    }
    return h;
  };
  const inMain = (t: VerifyTask): Promise<TableVerifyReport> => {
    const name = t.table;
    const h = hooksOf(t.id);
    return verifyNamedTable(o.config, o.legacy, o.next, name, {
      throttle: h.throttle, settler: h.settler, quarantined: h.quarantined, shared,
      ...(h.sink ? { sink: h.sink } : {}), ...(h.onDifferent ? { onDifferent: h.onDifferent } : {}),
      ...(h.onMatched ? { onMatched: (_plan, rows) => h.onMatched!(rows) } : {}),
      ...(o.key !== undefined ? { key: o.key } : {}), ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
      ...(threads.sizes.has(name) ? { total: threads.sizes.get(name)! } : {}), ...(t.part ? { part: t.part, plans } : {}),
      ...(o.maxRounds ? { maxRounds: o.maxRounds } : {}), ...(o.maxReported ? { maxReported: o.maxReported } : {}), ...(o.signal ? { signal: o.signal } : {}),
      ...(h.onProgress ? { onProgress: h.onProgress } : {}),
    });
  };
  let tables: TableVerifyReport[];
  if (threads.threaded) {
    // the threads' code is bundled (in esbuild's own process) while large tables are split here
    const entry = verifyThreadEntry(o.config.file!);
    const run = await runTasks({ config: o.config, legacy: o.legacy, next: o.next, names, sizes: threads.sizes, slots: threads.count, split: o.split !== false && o.key === undefined, throttle, ...(o.partRows ? { partRows: o.partRows } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    for (const t of run.tasks) tasksById.set(t.id, t);
    for (const [name, s] of run.split) plans.set(name, Promise.resolve(s.plan));
    // no slot without a task to take: a table too small to split does not start threads that would wait for nothing
    const slots = Math.min(threads.count, run.tasks.length);
    const reports = await verifyTablesInParallel({
      tasks: run.tasks, hooks: hooksOf, inMain, entry,
      ...(o.mainThreadVerifies === false ? { threads: slots, mainVerifies: false } : { threads: slots - 1 }),
      // an entity's root table last: its rows are marked verified only when no other table of the entity differed
      after: marks ? rootsAfterTheirTables(o.config, names) : new Map(),
      data: {
        configFile: o.config.file!, shared: [...shared], wantsMatched: marks !== undefined, wantsDifferences: sink !== undefined,
        ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}), ...(o.maxRounds ? { maxRounds: o.maxRounds } : {}), ...(o.maxReported ? { maxReported: o.maxReported } : {}),
      },
      ...(o.signal ? { signal: o.signal } : {}), ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    });
    tables = await reportsOf(names, run, reports, o.maxReported);
  } else {
    tables = [];
    for (const name of names) tables.push(await inMain({ id: name, table: name, size: threads.sizes.get(name) ?? 0 }));
  }
  const exitCode = exitCodeOf(tables);
  const verdict = exitCode === 0 ? 'match' : exitCode === 1 ? 'differences' : 'inconclusive';
  const report: VerifyReport = { verdict, exitCode, tables, startedAt, finishedAt: new Date().toISOString(), ...(runId !== undefined ? { runId } : {}) };
  if (o.results && runId !== undefined) {
    await o.results.finishRun(runId, verdict, summaryOf(report) as JsonValue, tables.map((t) => ({
      table: t.table, verdict: t.verdict, legacyRows: t.counts.legacyRows, matched: t.counts.matched, missing: t.counts.missing, extra: t.counts.extra,
      mismatched: t.counts.mismatched, quarantined: t.counts.quarantined, rechecked: t.counts.rechecked, compatibility: t.compatibility,
    })));
  }
  recordVerifyMetrics(report);
  return report;
}

/** The report without the differences (they are stored one per row). */
export function summaryOf(r: VerifyReport): unknown {
  return { verdict: r.verdict, tables: r.tables.map((t) => ({ table: t.table, verdict: t.verdict, counts: t.counts, notes: t.notes, compatibility: t.compatibility })) };
}


export { keyToText };
