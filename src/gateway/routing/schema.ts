import { z } from 'zod';
import { GatewayConfigError } from '../errors.js';
import { compileRoute } from './compile.js';
import { formatIssuePath as formatPath, routeOptionsSchema, routeSpecSchema } from '../../routes/schema.js';
import type { RouteSpec } from './route.js';

export { routeOptionsSchema, routeSpecSchema };

/** Validates untrusted route JSON (config file, state store, CLI) and says which route and field is wrong. */
export function parseRoutes(input: unknown, where = 'routes'): RouteSpec[] {
  const r = z.array(routeSpecSchema).safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new GatewayConfigError(issue.message, `${where === 'routes' ? '' : `${where} `}routes${formatPath(issue.path)}`);
  }
  const routes = r.data as RouteSpec[];
  routes.forEach((s) => compileRoute(s)); // pattern errors
  return routes;
}
