import { z } from 'zod';
import { GatewayConfigError } from '../errors.js';
import { compileRoute } from './compile.js';
import type { RouteSpec } from './route.js';

const keySource = z.union([
  z.object({ from: z.literal('param'), name: z.string().min(1) }).strict(),
  z.object({ from: z.literal('header'), name: z.string().min(1) }).strict(),
  z.object({ from: z.literal('cookie'), name: z.string().min(1) }).strict(),
  z.object({ from: z.literal('jwt'), claim: z.string().min(1) }).strict(),
]);

const condition = z.object({
  name: z.string().min(1), equals: z.string().optional(), matches: z.string().optional(), absent: z.boolean().optional(),
}).strict();

const mode = z.union([
  z.object({ kind: z.enum(['legacy', 'shadow', 'next', 'owner']) }).strict(),
  z.object({ kind: z.literal('canary'), percent: z.number().min(0).max(100) }).strict(),
]);

export const routeSpecSchema = z.object({
  id: z.string().min(1),
  match: z.object({
    methods: z.array(z.string().regex(/^[A-Za-z]+$/)).optional(),
    path: z.string().startsWith('/'),
    headers: z.array(condition).optional(),
    cookies: z.array(condition).optional(),
  }).strict(),
  mode,
  userKey: keySource.optional(),
  entityKey: keySource.optional(),
  entity: z.string().min(1).max(200).optional(),
  aspireOnFirstTouch: z.boolean().optional(),
  aspireBudgetMs: z.number().int().min(0).max(60_000).optional(),
  mirrorWrites: z.boolean().optional(),
  canaryShadow: z.boolean().optional(),
  fallback: z.boolean().optional(),
}).strict();

/** The gateway-specific fields kept in the state store's free `options` object of a route. */
export const routeOptionsSchema = z.object({
  userKey: keySource.optional(),
  entityKey: keySource.optional(),
  entity: z.string().min(1).max(200).optional(),
  aspireOnFirstTouch: z.boolean().optional(),
  aspireBudgetMs: z.number().int().min(0).max(60_000).optional(),
  mirrorWrites: z.boolean().optional(),
  canaryShadow: z.boolean().optional(),
  fallback: z.boolean().optional(),
}).strict();

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

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
