import type { JsonValue } from '../../../state/types.js';
import type { RouteStatsRow, SideCounts } from '../figures.js';
import type { AnalysisPolicy, CheckName, CheckResult, RunStatus } from '../judge.js';
import type { CanaryRun, StoredVerdict } from './types.js';

/** Row shapes shared by both adapters (PostgreSQL returns bigint as text and jsonb parsed; SQLite numbers and text). */
export interface StatsDbRow {
  route_id: string; bucket_start: number | string; bucket_ms: number; source: string;
  legacy_requests: number | string; legacy_errors: number | string; legacy_latency_json: string | number[];
  next_requests: number | string; next_errors: number | string; next_latency_json: string | number[];
  fallbacks: number | string; compared: number | string; real_diffs: number | string;
}
export interface RunDbRow {
  route_id: string; status: string; step_index: number; passes: number; failures: number; approved_index: number;
  policy_json: string | AnalysisPolicy; window_end: number | string; revision: number | string; started_at: number | string;
  started_by: string; updated_at: number | string; last_reason: string | null;
}
export interface VerdictDbRow {
  id: number | string; route_id: string; at: number | string; window_start: number | string; window_end: number | string;
  step_index: number; percent: number; pass: number | boolean; failed: string; action: string;
  checks_json: string | CheckResult[]; figures_json: string | JsonValue;
}

const json = <T>(v: string | T): T => (typeof v === 'string' ? JSON.parse(v) as T : v);

function counts(requests: number | string, errors: number | string, latency: string | number[]): SideCounts {
  return { requests: Number(requests), errors: Number(errors), latency: json<number[]>(latency) };
}

export function toStats(r: StatsDbRow): RouteStatsRow {
  return {
    route: r.route_id, bucketStart: Number(r.bucket_start), bucketMs: Number(r.bucket_ms), source: r.source,
    legacy: counts(r.legacy_requests, r.legacy_errors, r.legacy_latency_json),
    next: counts(r.next_requests, r.next_errors, r.next_latency_json),
    fallbacks: Number(r.fallbacks), compared: Number(r.compared), realDiffs: Number(r.real_diffs),
  };
}

/** Values in the column order of INSERT INTO route_stats (route_id … real_diffs). */
export function statsValues(r: RouteStatsRow): (string | number)[] {
  return [r.route, r.bucketStart, r.bucketMs, r.source, r.legacy.requests, r.legacy.errors, JSON.stringify(r.legacy.latency),
    r.next.requests, r.next.errors, JSON.stringify(r.next.latency), r.fallbacks, r.compared, r.realDiffs];
}
export const STATS_COLUMNS = 'route_id, bucket_start, bucket_ms, source, legacy_requests, legacy_errors, legacy_latency_json, next_requests, next_errors, next_latency_json, fallbacks, compared, real_diffs';

export function toRun(r: RunDbRow): CanaryRun {
  return {
    route: r.route_id, status: r.status as RunStatus, stepIndex: r.step_index, passes: r.passes, failures: r.failures,
    approvedIndex: r.approved_index, policy: json<AnalysisPolicy>(r.policy_json), windowEnd: Number(r.window_end),
    revision: Number(r.revision), startedAt: new Date(Number(r.started_at)), startedBy: r.started_by,
    updatedAt: new Date(Number(r.updated_at)), lastReason: r.last_reason,
  };
}

export function toVerdict(r: VerdictDbRow): StoredVerdict {
  return {
    id: Number(r.id), route: r.route_id, at: new Date(Number(r.at)), windowStart: Number(r.window_start), windowEnd: Number(r.window_end),
    stepIndex: r.step_index, percent: r.percent, pass: r.pass === true || r.pass === 1, failed: r.failed === '' ? [] : r.failed.split(',') as CheckName[],
    action: r.action, checks: json<CheckResult[]>(r.checks_json), figures: json<JsonValue>(r.figures_json),
  };
}

/** Column ← field of a run change, in a fixed order (both adapters build their SET list from it). */
export const RUN_COLUMNS = [
  ['status', 'status'], ['stepIndex', 'step_index'], ['passes', 'passes'], ['failures', 'failures'],
  ['approvedIndex', 'approved_index'], ['windowEnd', 'window_end'], ['lastReason', 'last_reason'],
] as const;
