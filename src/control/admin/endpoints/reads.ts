import { readBackfillPause } from '../../../backfill/pause.js';
import { endpointOf } from '../../../routes/model.js';
import type { AuditQuery, DiffAggregate, StateStore } from '../../../state/types.js';
import { openVerifyResults } from '../../../state/verify/open.js';
import type { VerifyResultStore } from '../../../state/verify/types.js';
import { RouteNotFoundError } from '../../../state/errors.js';
import { AdminNotFoundError, AdminRequestError, AdminUnavailableError } from '../errors.js';
import type { EndpointRegistry } from '../registry.js';
import type { AdminDeps } from '../server.js';
import { queryInt, queryString } from './input.js';
import { migrationStatus } from './status.js';

/** What the state store holds, in short (the `siphon state status` figures plus the backfill pause). */
export async function stateSummary(s: StateStore) {
  const [schemaVersion, routes, ledger, openQuarantine, checkpoints, backfillPause] = await Promise.all([
    s.schemaVersion(), s.getRoutes(), s.ledgerCounts(), s.quarantineCounts({ state: 'open' }), s.listCheckpoints(), readBackfillPause(s)]);
  return { location: s.location, schemaVersion, routeTableVersion: routes.version, routes: routes.routes.length, ledger, openQuarantine, checkpoints, backfillPause };
}

export interface DiffField { readonly path: string; readonly count: number; readonly kinds: Record<string, number>; readonly samples: unknown[] }
export interface DiffEndpoint { readonly endpoint: string; readonly count: number; readonly fields: DiffField[] }

/** Diff aggregates grouped endpoint → field → counts per kind and (already redacted) samples, most frequent first. */
export function groupDiffs(rows: readonly DiffAggregate[]): DiffEndpoint[] {
  const eps = new Map<string, Map<string, { count: number; kinds: Record<string, number>; samples: unknown[] }>>();
  for (const r of rows) {
    const fields = eps.get(r.endpoint) ?? new Map();
    eps.set(r.endpoint, fields);
    const f = fields.get(r.fieldPath) ?? { count: 0, kinds: {}, samples: [] };
    fields.set(r.fieldPath, f);
    f.count += r.count;
    f.kinds[r.kind] = (f.kinds[r.kind] ?? 0) + r.count;
    f.samples.push(...r.samples);
  }
  return [...eps].map(([endpoint, fields]) => {
    const list = [...fields].map(([path, f]) => ({ path, ...f })).sort((a, b) => b.count - a.count || (a.path < b.path ? -1 : 1));
    return { endpoint, count: list.reduce((n, f) => n + f.count, 0), fields: list };
  }).sort((a, b) => b.count - a.count || (a.endpoint < b.endpoint ? -1 : 1));
}

/** The reading endpoints: status, audit trail, diffs, verify results. */
export function mountReads(registry: EndpointRegistry, deps: AdminDeps, verifyStore: () => Promise<VerifyResultStore>): void {
  const { state, config } = deps;
  registry.mount({
    method: 'GET', path: '/status', access: 'read', summary: 'state store summary, and the migration status when the API runs with the config',
    handle: async (req) => ({ state: await stateSummary(state),
      ...(config ? { migration: await migrationStatus(config, queryString(req.query, 'source')) } : {}) }),
  });
  registry.mount({
    method: 'GET', path: '/audit', access: 'read', summary: 'the audit trail, newest first: ?actor&action&subject&limit&beforeId',
    handle: async (req) => {
      const q = req.query;
      const query: AuditQuery = {};
      const actor = queryString(q, 'actor'), action = queryString(q, 'action'), subject = queryString(q, 'subject');
      const limit = queryInt(q, 'limit', 1, 1000), beforeId = queryInt(q, 'beforeId', 1, Number.MAX_SAFE_INTEGER);
      return state.listAudit({ ...query, ...(actor ? { actor } : {}), ...(action ? { action } : {}), ...(subject ? { subject } : {}),
        ...(limit ? { limit } : {}), ...(beforeId ? { beforeId } : {}) });
    },
  });
  registry.mount({
    method: 'GET', path: '/diffs', access: 'read', summary: "the gateway's response diffs: endpoint → field → counts and redacted samples; ?route=ID",
    handle: async (req) => ({ endpoints: groupDiffs(await diffsOf(state, queryString(req.query, 'route'))) }),
  });
  registry.mount({
    method: 'GET', path: '/verify', access: 'read', summary: 'the latest verify result per legacy table',
    handle: async () => ({ tables: await (await verifyStore()).tableResults() }),
  });
  registry.mount({
    method: 'GET', path: '/verify/runs/:id', access: 'read', summary: 'one verify run with its differences: ?table&limit',
    handle: async (req) => {
      const id = Number(req.params.id);
      if (!Number.isSafeInteger(id) || id < 1) throw new AdminRequestError(`expected a verify run id, found "${req.params.id}"`);
      const store = await verifyStore();
      const run = await store.getRun(id);
      if (!run) throw new AdminNotFoundError(`no verify run ${id}`, { id });
      const table = queryString(req.query, 'table');
      return { run, differences: await store.listDifferences(id, { limit: queryInt(req.query, 'limit', 1, 10_000) ?? 100, ...(table ? { sourceTable: table } : {}) }) };
    },
  });
}

/** Diff rows of one route (its endpoint, as the gateway aggregates them), or all. */
export async function diffsOf(state: StateStore, route: string | undefined): Promise<DiffAggregate[]> {
  if (route === undefined) return state.listDiffs();
  const table = await state.getRoutes();
  const r = table.routes.find((x) => x.id === route);
  if (!r) throw new RouteNotFoundError(route, table.routes.map((x) => x.id));
  return state.listDiffs({ endpoint: endpointOf(r.match) });
}

export function verifyOpener(stateUrl: string | undefined): { get(): Promise<VerifyResultStore>; close(): Promise<void> } {
  let opened: Promise<VerifyResultStore> | undefined;
  return {
    get: () => {
      if (!stateUrl) return Promise.reject(new AdminUnavailableError('verify results', 'the state store URL (the config or --state)'));
      return (opened ??= openVerifyResults(stateUrl));
    },
    close: async () => { if (opened) await (await opened).close(); },
  };
}
