import { Redactor } from '../gateway/diff/redact.js';
import type { MigrationStatus } from '../migrate/status.js';
import type { JsonValue } from '../state/types.js';
import { deltaFigures, readGatewayFigures, sideTotal, summarise, type GatewayFigures, type LatencySummary } from './gateway-figures.js';
import type { DashboardSnapshot, DashboardSources, HistoryPoint, RouteView, Scoreboard, TableView } from './types.js';

const HISTORY_POINTS = 600;
const EMPTY: LatencySummary = { requests: 0, failed: 0, p50Ms: null, p99Ms: null };
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A redacted, bounded preview of a quarantined row (the page is behind a token, but rows carry personal data). */
function rowPreview(redactor: Redactor, v: JsonValue, max = 400): string {
  const walk = (x: JsonValue, name?: string): JsonValue => {
    if (name !== undefined && redactor.isSensitiveField(name)) return '***';
    if (typeof x === 'string') return redactor.text(x);
    if (Array.isArray(x)) return x.map((y) => walk(y));
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y, k)]));
    return x;
  };
  const s = JSON.stringify(walk(v));
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * Gathers the dashboard's figures from its sources and keeps what needs more than one reading: the per-interval
 * latency and error history (bounded) and each table's copy rate for its ETA. One collector per dashboard; `collect`
 * is cheap enough to run every second while someone watches.
 */
export class DashboardCollector {
  private readonly history: HistoryPoint[] = [];
  private lastGateway: GatewayFigures | undefined;
  private readonly copied = new Map<string, { t: number; rows: number; rate: number | null }>();
  private readonly redactor = new Redactor();

  constructor(private readonly sources: DashboardSources, private readonly now: () => number = Date.now) {}

  async collect(): Promise<DashboardSnapshot> {
    const errors: string[] = [];
    const guard = async <T>(what: string, f: (() => Promise<T>) | undefined): Promise<T | null> => {
      if (!f) return null;
      try { return await f(); } catch (e) { errors.push(`${what}: ${message(e)}`); return null; }
    };
    const s = this.sources;
    const [table, metricsText, status, verify, analysis, throttle, diffs, qCounts, qPage, audit, ledger] = await Promise.all([
      guard('routes', () => s.store.getRoutes()),
      guard('gateway metrics', s.metrics),
      guard('migration status', s.status),
      guard('verify results', s.verify),
      guard('canary analysis', s.analysis),
      guard('backfill throttle', s.throttle),
      guard('diffs', () => s.store.listDiffs()),
      guard('quarantine counts', () => s.store.quarantineCounts({ state: 'open' })),
      guard('quarantine rows', () => s.store.listQuarantine({ state: 'open', limit: 50 })),
      guard('audit trail', () => s.store.listAudit({ limit: 30 })),
      guard('ledger', () => s.store.ledgerCounts()),
    ]);

    const t = this.now();
    const gateway = metricsText !== null ? readGatewayFigures(metricsText) : undefined;
    if (gateway) this.record(t, gateway);
    const routes: RouteView[] = (table?.routes ?? []).map((r) => {
      const g = gateway?.routes.get(r.id);
      return {
        id: r.id, path: r.match.path, methods: r.match.methods ?? [], mode: r.mode, canaryPercent: r.canaryPercent,
        legacy: g ? summarise(g.legacy) : EMPTY, next: g ? summarise(g.next) : EMPTY,
        compatibility: g?.compatibility ?? null, analysis: analysis?.[r.id] ?? null,
      };
    });
    const tables = status ? this.tables(t, status) : null;
    const byReason: Record<string, number> = {};
    let quarantined = 0;
    for (const c of qCounts ?? []) { byReason[c.reasonCode] = (byReason[c.reasonCode] ?? 0) + c.count; quarantined += c.count; }
    const nextRoutes = new Set(routes.filter((r) => r.mode !== 'legacy' && r.mode !== 'shadow').map((r) => r.id));
    const scoreboard: Scoreboard = {
      before: gateway ? summarise(sideTotal(gateway, 'legacy')) : EMPTY,
      after: gateway ? summarise(sideTotal(gateway, 'next', (id) => nextRoutes.has(id))) : EMPTY,
      failedUserRequests: gateway ? sideTotal(gateway, 'legacy').failed + sideTotal(gateway, 'next').failed : 0,
      rowsMigrated: status ? status.tables.reduce((n, x) => n + (x.migrated ?? 0), 0) : null,
      quarantined, quarantinedByReason: byReason,
      rowsLost: verify && verify.length > 0 ? verify.reduce((n, v) => n + v.missing, 0) : null,
    };
    return {
      at: new Date(t).toISOString(),
      routes,
      history: [...this.history],
      diffs: (diffs ?? []).slice(0, 100).map((d) => ({ endpoint: d.endpoint, fieldPath: d.fieldPath, kind: d.kind, count: d.count, samples: d.samples.slice(0, 3) })),
      tables,
      lag: {
        captureLag: status?.capture.lagPositions ?? null, applyLagSeconds: status?.apply.lagSeconds ?? null,
        caughtUp: status?.apply.caughtUp ?? null, throttle: throttle ?? null,
      },
      entities: (ledger ?? []).map((l) => ({ entity: l.entity, state: l.state, count: l.count })),
      quarantine: {
        byTable: (qCounts ?? []).map((c) => ({ table: c.sourceTable, reason: c.reasonCode, count: c.count })),
        items: (qPage?.items ?? []).map((q) => ({ id: q.id, table: q.sourceTable, key: q.key, reason: q.reasonCode, message: this.redactor.text(q.message), attempts: q.attempts, row: rowPreview(this.redactor, q.payload) })),
      },
      verify: verify ? [...verify] : null,
      audit: (audit?.items ?? []).map((a) => ({ id: a.id, at: a.at.toISOString(), actor: a.actor, action: a.action, subject: a.subject, before: a.before, after: a.after, reason: a.reason })),
      scoreboard,
      errors,
    };
  }

  /** One history point per reading: the interval's latency quantiles and error rates per side. */
  private record(t: number, now: GatewayFigures): void {
    const d = deltaFigures(now, this.lastGateway);
    this.lastGateway = now;
    const legacy = summarise(sideTotal(d, 'legacy'));
    const next = summarise(sideTotal(d, 'next'));
    const rate = (x: LatencySummary) => (x.requests > 0 ? x.failed / x.requests : null);
    // the worst route: one route answering wrong must show, not drown in the others' traffic (the chart says so)
    const compat = [...now.routes.values()].map((r) => r.compatibility).filter((c): c is number => c !== null);
    this.history.push({
      t, legacyP50Ms: legacy.p50Ms, legacyP99Ms: legacy.p99Ms, nextP50Ms: next.p50Ms, nextP99Ms: next.p99Ms,
      legacyErrorRate: rate(legacy), nextErrorRate: rate(next),
      compatibility: compat.length > 0 ? Math.min(...compat) : null,
    });
    if (this.history.length > HISTORY_POINTS) this.history.splice(0, this.history.length - HISTORY_POINTS);
  }

  private tables(t: number, status: MigrationStatus): TableView[] {
    return status.tables.map((x) => {
      const rows = x.backfill?.rowsCopied ?? null;
      let rate: number | null = null;
      const prev = this.copied.get(x.table);
      if (rows !== null) {
        if (prev && t > prev.t) rate = rows > prev.rows ? ((rows - prev.rows) * 1000) / (t - prev.t) : (x.backfill?.state === 'done' ? null : prev.rate);
        this.copied.set(x.table, { t, rows, rate });
      }
      const remaining = x.legacyRows !== null && rows !== null ? Math.max(0, x.legacyRows - rows) : null;
      return {
        table: x.table, legacyRows: x.legacyRows, migrated: x.migrated, quarantined: x.quarantined,
        quarantinedByReason: x.quarantinedByReason,
        backfill: x.backfill ? (x.backfill.pauseReason ? `paused: ${x.backfill.pauseReason}` : x.backfill.state) : 'not started',
        rowsCopied: rows, rate: rate === null ? null : Math.round(rate),
        etaSeconds: x.backfill?.state === 'done' ? 0 : rate && remaining !== null ? Math.round(remaining / rate) : null,
        check: x.check?.line ?? null, checkOk: x.check?.ok ?? null,
      };
    });
  }
}
