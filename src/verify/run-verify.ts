import { recordVerifyMetrics } from './metrics.js';
import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { Redactor } from '../gateway/diff/redact.js';
import type { JsonValue, StateStore } from '../state/types.js';
import type { StoredDifference, VerifyResultStore } from '../state/verify/types.js';
import { keyToText } from '../values/index.js';
import { describeFailure, VerifyUsageError } from './errors.js';
import { markVerified, type EntityMarks } from './ledger.js';
import { storeQuarantineView } from './quarantine-view.js';
import { NO_SETTLE, type Settler } from './settle.js';
import { planTable, sharedNextTables } from './table-plan.js';
import { RateThrottle, type Throttle } from './throttle.js';
import type { Difference, TableVerifyReport, VerifyReport } from './types.js';
import { verifyEntityKey } from './entity-key.js';
import { NO_QUARANTINE, verifyTable } from './verify-table.js';

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
  const tables: TableVerifyReport[] = [];
  for (const name of names) {
    let plan;
    try { plan = await planTable(o.config, o.legacy, o.next, name); } catch (e) {
      tables.push(inconclusiveTable(name, describeFailure(e)));
      continue;
    }
    const quarantined = o.state ? storeQuarantineView(o.state, name) : NO_QUARANTINE;
    const common = {
      throttle, settler: o.settler ?? NO_SETTLE, quarantined, shared, ...(sink ? { sink } : {}),
      ...(o.maxRounds ? { maxRounds: o.maxRounds } : {}), ...(o.maxReported ? { maxReported: o.maxReported } : {}), ...(o.signal ? { signal: o.signal } : {}),
    };
    try {
      await quarantined.refresh();
      if (o.key !== undefined) {
        tables.push(await verifyEntityKey(plan, o.config, o.key, common));
        continue;
      }
      const total = await plan.legacy.count().catch(() => 0);
      tables.push(await verifyTable(plan, {
        ...common, ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
        onProgress: (done) => o.onProgress?.(name, done, total),
        ...(marks ? { onMatched: (rows) => markVerified(marks, plan, rows), onDifferent: (k) => { marks.bad.add(String(k)); } } : {}),
      }));
    } catch (e) {
      if (e instanceof VerifyUsageError) throw e;
      tables.push(inconclusiveTable(name, describeFailure(e)));
    }
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

function inconclusiveTable(table: string, why: string): TableVerifyReport {
  return {
    table, nextTables: [], invariantHolds: null, verdict: 'inconclusive', notes: [why], differences: [], compatibility: 0, ms: 0,
    counts: { legacyRows: 0, legacyCount: 0, expectedNextRows: 0, nextRows: 0, matched: 0, missing: 0, extra: 0, mismatched: 0, quarantined: 0, unmapped: 0, nullKeyRows: 0, rechecked: 0, settledByRecheck: 0 },
  };
}

export { keyToText };
