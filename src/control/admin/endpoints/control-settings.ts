import { readBackfillPause, setBackfillPause } from '../../../backfill/pause.js';
import type { EndpointRegistry } from '../registry.js';
import type { AdminDeps } from '../server.js';
import { bodyObject, optString } from './input.js';

/** Backfill pause/resume: the setting a running backfill re-reads, changed with its audit entry in one transaction. */
export function mountBackfill(registry: EndpointRegistry, { state }: AdminDeps): void {
  registry.mount({ method: 'GET', path: '/backfill/pause', access: 'read', summary: 'whether backfill is paused, since when and why',
    handle: () => readBackfillPause(state) });
  for (const paused of [true, false]) {
    registry.mount({
      method: 'POST', path: paused ? '/backfill/pause' : '/backfill/resume', access: 'change',
      summary: paused ? 'pause backfill (capture and apply go on): {reason}' : 'resume backfill: {reason}',
      handle: async (req) => {
        const reason = optString(bodyObject(req.body), 'reason') ?? null;
        return { ...(await setBackfillPause(state, paused, reason, new Date(), req.who.identity)), by: req.who.identity };
      },
    });
  }
}
