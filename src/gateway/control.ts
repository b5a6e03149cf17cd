import type { AuditContext, RouteInput, RouteStore, RouteTable } from '../state/types.js';
import * as routes from '../routes/control.js';
import type { RouteSpec } from '../routes/model.js';
import { compileRoutes } from './routing/compile.js';

/**
 * Route control (`src/routes/control.ts`) with the gateway's own check: a table is compiled as a gateway would
 * compile it before it is stored, so a bad pattern is refused here, not live.
 */
export type { RouteEdit } from '../routes/control.js';

export const gatewayRouteCheck: routes.RouteTableCheck = (specs: readonly RouteSpec[]) => { compileRoutes(specs, 0); };

export function setRoute(store: RouteStore, id: string, edit: routes.RouteEdit, audit: AuditContext): Promise<RouteTable> {
  return routes.setRoute(store, id, edit, audit, gatewayRouteCheck);
}

export function replaceRoutes(store: RouteStore, table: readonly RouteInput[], audit: AuditContext): Promise<RouteTable> {
  return routes.replaceRoutes(store, table, audit, gatewayRouteCheck);
}

export const rollbackRoutes = routes.rollbackRoutes;
