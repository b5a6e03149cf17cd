import type { Route as StoredRoute, RouteInput } from '../state/types.js';
import { RouteConfigError } from './errors.js';
import { modeOf, storedMode, type RouteSpec } from './model.js';
import { routeOptionsSchema } from './schema.js';

/**
 * Mapping between the state store's route rows (mode as a word + canaryPercent + free `options`) and `RouteSpec`.
 * The gateway fields (user/entity key, owner mode's entity and aspire options, mirrorWrites, canaryShadow, fallback) live in `options`.
 */
export function fromStoredRoute(r: StoredRoute): RouteSpec {
  const where = `state route ${JSON.stringify(r.id)} options`;
  const parsed = routeOptionsSchema.safeParse(r.options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RouteConfigError(issue.message, `${where}.${issue.path.join('.')}`);
  }
  return { id: r.id, match: r.match, mode: modeOf(r.mode, r.canaryPercent), ...parsed.data };
}

export function toRouteInput(s: RouteSpec): RouteInput {
  const options: Record<string, unknown> = {};
  if (s.userKey) options.userKey = { ...s.userKey };
  if (s.entityKey) options.entityKey = { ...s.entityKey };
  if (s.entity !== undefined) options.entity = s.entity;
  if (s.aspireOnFirstTouch !== undefined) options.aspireOnFirstTouch = s.aspireOnFirstTouch;
  if (s.aspireBudgetMs !== undefined) options.aspireBudgetMs = s.aspireBudgetMs;
  if (s.mirrorWrites !== undefined) options.mirrorWrites = s.mirrorWrites;
  if (s.canaryShadow !== undefined) options.canaryShadow = s.canaryShadow;
  if (s.fallback !== undefined) options.fallback = s.fallback;
  const { mode, canaryPercent } = storedMode(s.mode);
  return {
    id: s.id,
    match: s.match,
    mode,
    ...(s.mode.kind === 'canary' ? { canaryPercent } : {}),
    options: options as RouteInput['options'],
  };
}
