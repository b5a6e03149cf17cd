import { createApplier } from '../../../apply/applier.js';
import { retryQuarantine } from '../../../apply/retry.js';
import { openDatabase } from '../../../backends/open.js';
import { QUARANTINE_STATES, type QuarantineQuery, type QuarantineState } from '../../../state/types.js';
import { AdminNotFoundError, AdminRequestError, AdminUnavailableError } from '../errors.js';
import type { EndpointRegistry } from '../registry.js';
import type { AdminDeps } from '../server.js';
import { bodyObject, optString, queryInt, queryString } from './input.js';

function statusOf(v: string | undefined): QuarantineState | 'all' {
  if (v === undefined) return 'open';
  if (v === 'all' || (QUARANTINE_STATES as readonly string[]).includes(v)) return v as QuarantineState | 'all';
  throw new AdminRequestError(`status: expected one of ${QUARANTINE_STATES.join(', ')}, all; found "${v}"`, { field: 'status' });
}

function ids(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => !Number.isSafeInteger(x) || (x as number) < 1)) throw new AdminRequestError('ids: expected an array of item ids', { field: 'ids' });
  return v as number[];
}

/** Quarantine: list (counts + items without payload, paged), show one whole, retry through the apply path. */
export function mountQuarantine(registry: EndpointRegistry, { state, config }: AdminDeps): void {
  registry.mount({
    method: 'GET', path: '/quarantine', access: 'read', summary: 'quarantined items: ?table&reason&status(open|redriven|resolved|all)&limit&afterId',
    handle: async (req) => {
      const q = req.query;
      const table = queryString(q, 'table'), reason = queryString(q, 'reason'), status = statusOf(queryString(q, 'status'));
      const afterId = queryInt(q, 'afterId', 0, Number.MAX_SAFE_INTEGER);
      const query: QuarantineQuery = { limit: queryInt(q, 'limit', 1, 1000) ?? 100, ...(table ? { sourceTable: table } : {}), ...(reason ? { reasonCode: reason } : {}),
        ...(status !== 'all' ? { state: status } : {}), ...(afterId !== undefined ? { afterId } : {}) };
      const [page, counts] = await Promise.all([state.listQuarantine(query), state.quarantineCounts(status !== 'all' ? { state: status } : {})]);
      return {
        counts: counts.filter((c) => (!table || c.sourceTable === table) && (!reason || c.reasonCode === reason)),
        items: page.items.map(({ payload: _p, ...rest }) => rest), next: page.next,
      };
    },
  });
  registry.mount({
    method: 'GET', path: '/quarantine/:id', access: 'read', summary: 'one quarantined item whole (payload included)',
    handle: async (req) => {
      const id = Number(req.params.id);
      if (!Number.isSafeInteger(id) || id < 1) throw new AdminRequestError(`expected a quarantine item id, found "${req.params.id}"`);
      const item = await state.getQuarantine(id);
      if (!item) throw new AdminNotFoundError(`no quarantine item ${id}`, { id });
      return item;
    },
  });
  registry.mount({
    method: 'POST', path: '/quarantine/retry', access: 'change', summary: 're-drive open items through apply: {table, reasonCode, ids, reason}',
    handle: async (req) => {
      if (!config) throw new AdminUnavailableError('quarantine retry', 'the migration config (its mappings and next database)');
      const b = bodyObject(req.body);
      const table = optString(b, 'table'), reasonCode = optString(b, 'reasonCode'), only = ids(b.ids);
      const next = await openDatabase(config.next.db);
      try {
        const applier = await createApplier({ config, next, state });
        try {
          return await retryQuarantine(applier, state, { ...(table ? { sourceTable: table } : {}), ...(reasonCode ? { reasonCode } : {}),
            ...(only ? { ids: only } : {}), actor: req.who.identity, ...(req.audit().reason ? { reason: req.audit().reason } : {}) });
        } finally { await applier.close(); }
      } finally { await next.close(); }
    },
  });
}
