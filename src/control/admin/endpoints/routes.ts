import { z } from 'zod';
import { replaceRoutes, rollbackRoutes, setRoute, type RouteEdit } from '../../../routes/control.js';
import { RouteConfigError } from '../../../routes/errors.js';
import { parseMode } from '../../../routes/mode.js';
import type { RouteMode } from '../../../routes/model.js';
import { formatIssuePath, matchSchema, modeSchema, routeOptionsSchema, routeSpecSchema } from '../../../routes/schema.js';
import { toRouteInput } from '../../../routes/stored.js';
import type { EndpointRegistry } from '../registry.js';
import type { AdminDeps } from '../server.js';
import { bodyObject, optString } from './input.js';

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new RouteConfigError(issue.message, `${where}${formatIssuePath(issue.path)}`);
  }
  return r.data;
}

/** `mode`: a word as the CLI takes it (`canary:10`) or the model's object (`{kind: 'canary', percent: 10}`). */
function modeOf(v: unknown): RouteMode {
  return typeof v === 'string' ? parseMode(v, 'mode') : (parse(modeSchema, v, 'mode') as RouteMode);
}

/** The route table: read it, change one route, replace it, roll back — each change audited with the token's identity. */
export function mountRoutes(registry: EndpointRegistry, deps: AdminDeps): void {
  const { state, checkRoutes } = deps;
  registry.mount({ method: 'GET', path: '/routes', access: 'read', summary: 'the route table and its version',
    handle: () => state.getRoutes() });

  registry.mount({
    method: 'POST', path: '/routes/:id', access: 'change',
    summary: 'change a route, or create it with match and mode: {mode, match | path+methods, options, reason}',
    handle: async (req) => {
      const b = bodyObject(req.body);
      const path = optString(b, 'path');
      const match = b.match !== undefined ? parse(matchSchema, b.match, 'match')
        : path !== undefined ? parse(matchSchema, { path, ...(b.methods !== undefined ? { methods: b.methods } : {}) }, 'match') : undefined;
      const options = b.options !== undefined ? parse(routeOptionsSchema.partial(), b.options, 'options') : undefined;
      const edit: RouteEdit = {
        ...(b.mode !== undefined ? { mode: modeOf(b.mode) } : {}),
        ...(match ? { match } : {}),
        ...(options && Object.keys(options).length ? { options } : {}),
      };
      if (!edit.mode && !edit.match && !edit.options) throw new RouteConfigError('nothing to change: give mode, match (or path) or options', 'body');
      return setRoute(state, req.params.id!, edit, req.audit(), checkRoutes);
    },
  });

  registry.mount({
    method: 'PUT', path: '/routes', access: 'change', summary: 'replace the whole table: {routes: [RouteSpec…], reason}',
    handle: async (req) => {
      const specs = parse(z.array(routeSpecSchema), bodyObject(req.body).routes, 'routes');
      return replaceRoutes(state, specs.map(toRouteInput), req.audit(), checkRoutes);
    },
  });

  registry.mount({
    method: 'POST', path: '/rollback', access: 'change', summary: 'instant rollback of every route (or {id}) to legacy',
    handle: async (req) => rollbackRoutes(state, req.audit(), optString(bodyObject(req.body), 'id')),
  });
}
