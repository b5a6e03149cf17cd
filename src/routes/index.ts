export * from './model.js';
export { RouteConfigError, RouteControlError } from './errors.js';
export { checkPercent, formatMode, parseMode } from './mode.js';
export { conditionSchema, keySourceSchema, matchSchema, modeSchema, routeOptionsSchema, routeSpecSchema } from './schema.js';
export { fromStoredRoute, toRouteInput } from './stored.js';
export { replaceRoutes, rollbackRoutes, setRoute, type RouteEdit, type RouteTableCheck } from './control.js';
