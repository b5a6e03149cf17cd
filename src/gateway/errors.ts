import { SiphonError } from '../errors.js';

/** A route table entry or a gateway setting is invalid: `where` says which (route id / field / flag). */
export class GatewayConfigError extends SiphonError {
  constructor(message: string, where: string, context: Record<string, unknown> = {}) {
    super('CONFIG_GATEWAY', `${where}: ${message}`, { where, ...context });
  }
}

/** A route-control operation failed (unknown route, state store unavailable...). */
export class RouteControlError extends SiphonError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('GATEWAY_ROUTE_CONTROL', message, context);
  }
}
