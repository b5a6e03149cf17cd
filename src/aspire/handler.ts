import type { AspireResult, Aspirer } from './types.js';

/** What the admin API answers to `POST /aspire/ENTITY/KEY` (the lead mounts it behind the token check). */
export interface AspireHttpAnswer {
  readonly status: number;
  readonly body: AspireResult;
}

/**
 * A framework-free handler: give it the path's entity and key and the authenticated actor. Status codes:
 * 200 migrated/already/shared, 409 quarantined (the body names the failed rows and why), 404 unknown entity or no
 * such root row in legacy, 400 bad key, 503 a retryable failure (next or the data path down, timeout: retry later),
 * 500 otherwise. The body is the AspireResult itself.
 */
export function aspireHandler(aspirer: Aspirer): (input: { entity: string; key: string; actor?: string; signal?: AbortSignal }) => Promise<AspireHttpAnswer> {
  return async (input) => {
    const r = await aspirer.aspire({ entity: input.entity, key: input.key, trigger: 'api', ...(input.actor ? { actor: input.actor } : {}), ...(input.signal ? { signal: input.signal } : {}) });
    return { status: statusOf(r), body: r };
  };
}

export function statusOf(r: AspireResult): number {
  switch (r.outcome) {
    case 'migrated':
    case 'already':
    case 'shared':
      return 200;
    case 'quarantined':
      return 409;
    case 'failed':
      if (r.reason === 'ASPIRE_UNKNOWN_ENTITY' || r.reason === 'NOT_FOUND') return 404;
      if (r.reason === 'ASPIRE_BAD_KEY') return 400;
      return r.retryable ? 503 : 500;
  }
}
