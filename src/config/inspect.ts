import type { CaptureReadiness, Database, TableInfo } from '../backends/types.js';
import type { ConfigIssue } from './errors.js';
import { openRole, probeHttp, probeStore, type BackendReport, type OpenedBackend } from './inspect-backends.js';
import { sampleTable, type TableSample } from './sample.js';
import type { ResolvedConfig } from './types.js';
import { validateAgainstDatabases } from './validate-against-db.js';
import { captureReadiness, chooseMethod, type MethodReadiness } from '../capture/readiness.js';
import { planNextSchema } from './next-schema/plan.js';
import { compareSchema, type SchemaMismatch } from './next-schema/compare.js';

export interface ColumnReport {
  readonly name: string;
  readonly type: string;
  readonly nativeType: string;
  readonly nullable: boolean;
}

export interface TableReport {
  readonly name: string;
  /** Row count, or null when counting failed. */
  readonly rows: number | null;
  readonly primaryKey: readonly string[];
  readonly uniqueKeys: readonly (readonly string[])[];
  readonly columns: readonly ColumnReport[];
  /** Legacy: the key the mapping uses. Next: the key apply will upsert by. */
  readonly key?: readonly string[];
}

/** Everything `siphon check` found. Serialised as is by `--json`. */
export interface CheckReport {
  readonly ok: boolean;
  /** 0 ok, 1 problems (unreachable backend, capture impossible), 2 bad config. */
  readonly exitCode: 0 | 1 | 2;
  readonly config: { readonly file?: string; readonly name: string };
  readonly backends: readonly BackendReport[];
  readonly legacy?: {
    readonly tables: readonly TableReport[];
    /** Legacy tables no mapping mentions. */
    readonly unmapped: readonly string[];
    readonly capture: readonly CaptureReadiness[];
    /** At least one capture method is ready. */
    readonly captureReady: boolean;
  };
  readonly next?: { readonly tables: readonly TableReport[] };
  readonly configErrors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
  /** Problems that make the exit code 1, one line each. */
  readonly problems: readonly string[];
  readonly sample?: { readonly limit: number; readonly tables: readonly TableSample[] };
  /**
   * Next's actual tables compared with what the mappings produce (`siphon schema plan`): each mismatch named by table
   * and column. Absent when next is MariaDB/MySQL (no plan) or a backend is unreachable. Informational: the dry run
   * (--sample) says which rows a mismatch actually refuses.
   */
  readonly schema?: { readonly mismatches: readonly SchemaMismatch[]; readonly error?: string };
}

export interface InspectOptions {
  /** Rows to dry-run per mapped table (0 or undefined: no sample). */
  readonly sample?: number;
  /** Called before sampling a table, and per row read (progress display). */
  readonly onSampleStart?: (table: string, total: number) => void;
  readonly onSampleRow?: () => void;
  readonly onSampleEnd?: () => void;
}

async function tableReport(db: Database, info: TableInfo, key: readonly string[] | undefined): Promise<TableReport> {
  let rows: number | null = null;
  try { rows = await db.countRows(info.name); } catch { rows = null; }
  return {
    name: info.name, rows, primaryKey: info.primaryKey, uniqueKeys: info.uniqueKeys,
    columns: info.columns.map((c) => ({ name: c.name, type: c.type, nativeType: c.nativeType, nullable: c.nullable })),
    ...(key ? { key } : {}),
  };
}

/**
 * Connects to every backend of a validated config and gathers what `siphon check` reports: reachability, the
 * mapped legacy tables and the next tables (columns, keys, row counts), capture readiness, the config's fit with the
 * databases and, optionally, a sample dry run. Never throws for a backend or data problem; closes what it opened.
 */
export async function inspectConfig(config: ResolvedConfig, options: InspectOptions = {}): Promise<CheckReport> {
  const problems: string[] = [];
  const configErrors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const opened: OpenedBackend[] = await Promise.all([
    openRole('legacy', config.legacy.db), openRole('next', config.next.db),
    probeStore('state', config.state), probeStore('log', config.log),
    ...(config.legacy.http ? [probeHttp('legacy.http', config.legacy.http)] : []),
    ...(config.next.http ? [probeHttp('next.http', config.next.http)] : []),
  ]);
  const [legacy, next] = opened as [OpenedBackend, OpenedBackend, OpenedBackend, OpenedBackend];
  for (const o of opened) {
    if (o.configIssue) configErrors.push(o.configIssue);
    else if (!o.report.reachable) problems.push(`${o.report.role} ${o.report.url} is not usable: ${o.report.error}`);
  }
  let legacyPart: CheckReport['legacy'];
  let nextPart: CheckReport['next'];
  let sample: CheckReport['sample'];
  let schema: CheckReport['schema'];
  try {
    if (legacy.db) {
      const v = await validateAgainstDatabases(config, legacy.db, next.db);
      configErrors.push(...v.errors);
      warnings.push(...v.warnings);
      const legacyTables = await Promise.all(Object.values(v.legacyTables).map((info) => tableReport(legacy.db!, info, config.tables[info.name]?.key)));
      const all = await legacy.db.listTables();
      // per method and per mapped table; "ready" means the method `siphon capture` uses by default is (issue 11, #7)
      let capture: MethodReadiness[] = [];
      try { capture = await captureReadiness(legacy.db, Object.keys(config.tables)); } catch (e) {
        problems.push(`capture readiness of legacy could not be determined: ${(e as Error).message}`);
      }
      const captureReady = capture.some((c) => c.ready && c.isDefault);
      if (capture.length > 0 && !captureReady) {
        try { chooseMethod(legacy.db.dialect, capture, null); } catch (e) { problems.push((e as Error).message); }
      }
      legacyPart = { tables: legacyTables, unmapped: all.filter((t) => !(t in config.tables)), capture, captureReady };
      if (next.db && (next.db.dialect === 'postgres' || next.db.dialect === 'sqlite')) {
        try {
          const plan = await planNextSchema(config, legacy.db, next.db.dialect);
          schema = { mismatches: compareSchema(plan, v.nextTables) };
        } catch (e) {
          schema = { mismatches: [], error: `the next schema could not be planned: ${((e as Error)?.message ?? String(e)).split('\n')[0]}` };
        }
      }
      if (next.db) {
        nextPart = { tables: await Promise.all(Object.values(v.nextTables).map((info) => tableReport(next.db!, info, v.nextKeys[info.name]))) };
      }
      if (options.sample && options.sample > 0 && configErrors.length === 0) {
        const tables: TableSample[] = [];
        for (const t of Object.values(config.tables)) {
          options.onSampleStart?.(t.name, Math.min(options.sample, legacyTables.find((r) => r.name === t.name)?.rows ?? options.sample));
          try {
            tables.push(await sampleTable(legacy.db, config, t, options.sample, v.nextTables, options.onSampleRow, {
              ...(next.db ? { nextDialect: next.db.dialect } : {}), nextKeys: v.nextKeys,
              ...(v.legacyTables[t.name] ? { legacyInfo: v.legacyTables[t.name]! } : {}),
            }));
          }
          finally { options.onSampleEnd?.(); }
        }
        sample = { limit: options.sample, tables };
      }
    }
  } finally {
    await Promise.all(opened.map((o) => o.db?.close().catch(() => undefined)));
  }
  const exitCode = configErrors.length > 0 ? 2 : problems.length > 0 ? 1 : 0;
  return {
    ok: exitCode === 0, exitCode,
    config: { ...(config.file ? { file: config.file } : {}), name: config.name },
    backends: opened.map((o) => o.report),
    ...(legacyPart ? { legacy: legacyPart } : {}),
    ...(nextPart ? { next: nextPart } : {}),
    configErrors, warnings, problems,
    ...(sample ? { sample } : {}),
    ...(schema ? { schema } : {}),
  };
}
