/**
 * The route model moved below the gateway to `src/routes/model.ts` (one definition shared with the state store and
 * the control plane); re-exported here so the gateway's imports stay as they were.
 */
export type { KeySource, MatchCondition, ModeKind, RouteMatch, RouteMode, RouteOptions, RouteSpec, Side } from '../../routes/model.js';
export { DEFAULT_ASPIRE_BUDGET_MS, IDEMPOTENT_METHODS, SAFE_METHODS } from '../../routes/model.js';
