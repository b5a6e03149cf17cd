import { SiphonError } from '../errors.js';

/** A route (mode, match, options) is invalid: `where` says which route, field or flag. */
export class RouteConfigError extends SiphonError {
  constructor(message: string, where: string, context: Record<string, unknown> = {}) {
    super('CONFIG_ROUTE', `${where}: ${message}`, { where, ...context });
  }
}

/** A route-control operation failed (unknown route...). The code predates this module and is kept for scripts. */
export class RouteControlError extends SiphonError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('GATEWAY_ROUTE_CONTROL', message, context);
  }
}
