import type { RouteStore } from '../state/types.js';
import type { DashboardActions } from './types.js';

/**
 * The page's rollback on the state store itself: one route back to `legacy` in one audited transaction (action
 * `route.rollback`, actor = the identity of the token that logged in). Gateways following the store flip within their
 * watch period. Approve and retry come from the components that own them (canary analysis, the migration).
 */
export function storeActions(store: RouteStore, extra: Omit<DashboardActions, 'rollback'> = {}): DashboardActions {
  return {
    ...extra,
    async rollback(routeId, actor, reason) {
      await store.updateRoute(routeId, { mode: 'legacy', canaryPercent: 0 }, { actor, reason, action: 'route.rollback' });
    },
  };
}
