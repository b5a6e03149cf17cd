// The gateway's library API (the diff engine has its own barrel in ./diff/index.ts).
export { createGateway, type Gateway } from './server.js';
export { runGateway, type RunGatewayOptions, type RunningGateway } from './run.js';
export { withDefaults, DEFAULT_LIMITS, DEFAULT_MIRROR, DEFAULT_TIMEOUTS, type GatewayOverrides, type GatewaySettings } from './settings.js';
export { noopDiffSink, type CapturedRequest, type CapturedResponse, type DiffSink, type Exchange, type HeaderMap } from './exchange.js';
export type { MirrorSettings } from './mirror.js';
export { setRoute, replaceRoutes, rollbackRoutes, type RouteEdit } from './control.js';
export { followStateRoutes } from './route-source.js';
export { createAdminServer, type AdminOptions } from './admin.js';
export { GatewayConfigError, RouteControlError } from './errors.js';
export { BodyTooLargeError, UpstreamError } from './errors.js';
export {
  IDEMPOTENT_METHODS, type KeySource, type MatchCondition, type ModeKind, type RouteMatch, type RouteMode, type RouteSpec, type Side,
} from './routing/route.js';
export { compileRoutes, type RouteTable as CompiledRouteTable } from './routing/compile.js';
export type { Decision, OwnerReason, OwnerResolver, OwnerVerdict } from './routing/decide.js';
export { bucketOf, canarySide, BUCKETS } from './routing/canary.js';
export { parseMode, formatMode } from './routing/mode.js';
export { parseRoutes } from './routing/schema.js';
export { fromStoredRoute, toRouteInput } from './routing/store-routes.js';
export { LedgerCache, type LedgerCacheOptions, type LedgerView } from './owner/ledger-cache.js';
export { OwnerRouter, type OwnerRouterOptions } from './owner/owner-router.js';
export { startOwnerRouting, type OwnerRouting, type OwnerRoutingOptions } from './owner/start.js';
export type { GatewayAspirer, GatewayAspireRequest, GatewayAspireResult } from './owner/aspire-port.js';
