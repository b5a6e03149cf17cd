import { z } from 'zod';

/** zod schemas of the route model: untrusted route JSON (config file, CLI, admin API) is checked with them. */
export const keySourceSchema = z.union([
  z.object({ from: z.literal('param'), name: z.string().min(1) }).strict(),
  z.object({ from: z.literal('header'), name: z.string().min(1) }).strict(),
  z.object({ from: z.literal('cookie'), name: z.string().min(1) }).strict(),
  z.object({ from: z.literal('jwt'), claim: z.string().min(1) }).strict(),
]);

export const conditionSchema = z.object({
  name: z.string().min(1), equals: z.string().optional(), matches: z.string().optional(), absent: z.boolean().optional(),
}).strict();

export const modeSchema = z.union([
  z.object({ kind: z.enum(['legacy', 'shadow', 'next', 'owner']) }).strict(),
  z.object({ kind: z.literal('canary'), percent: z.number().min(0).max(100) }).strict(),
]);

export const matchSchema = z.object({
  methods: z.array(z.string().regex(/^[A-Za-z]+$/)).optional(),
  path: z.string().startsWith('/'),
  headers: z.array(conditionSchema).optional(),
  cookies: z.array(conditionSchema).optional(),
}).strict();

/** The gateway-specific fields kept in the state store's free `options` object of a route. */
export const routeOptionsSchema = z.object({
  userKey: keySourceSchema.optional(),
  entityKey: keySourceSchema.optional(),
  entity: z.string().min(1).max(200).optional(),
  aspireOnFirstTouch: z.boolean().optional(),
  aspireBudgetMs: z.number().int().min(0).max(60_000).optional(),
  mirrorWrites: z.boolean().optional(),
  canaryShadow: z.boolean().optional(),
  fallback: z.boolean().optional(),
}).strict();

export const routeSpecSchema = z.object({ id: z.string().min(1), match: matchSchema, mode: modeSchema })
  .merge(routeOptionsSchema).strict();

export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}
