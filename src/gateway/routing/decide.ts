import { assertNever } from '../../errors.js';
import { canarySide } from './canary.js';
import { keyContext, type MatchInput, type RouteHit } from './compile.js';
import { extractKey } from './keys.js';
import { IDEMPOTENT_METHODS, type Side } from './route.js';

/**
 * Hook for `owner` mode: which side owns the entity (from the migration ledger). Must answer synchronously from a
 * cache kept fresh by its owner: the hot path never waits on the state store. `undefined` = unknown → legacy.
 */
export interface OwnerResolver {
  sideFor(routeId: string, entityKey: string | undefined): Side | undefined;
}

export interface Decision {
  /** The side whose answer the user gets. */
  readonly primary: Side;
  /** Send a copy to the other side (and to legacy2 when configured). */
  readonly mirror: boolean;
  /** The copy is a non-idempotent request: next must dry-run it (`X-Siphon-Dry-Run: 1`). */
  readonly dryRun: boolean;
}

export interface DecideOptions {
  readonly owner?: OwnerResolver;
  readonly jwtSecret?: string;
}

export function decide(hit: RouteHit, input: MatchInput, opts: DecideOptions): Decision {
  const spec = hit.route.spec;
  const mode = spec.mode;
  const idempotent = IDEMPOTENT_METHODS.has(input.method);
  const mayMirror = idempotent || spec.mirrorWrites === true;
  switch (mode.kind) {
    case 'legacy': return { primary: 'legacy', mirror: false, dryRun: false };
    case 'next': return { primary: 'next', mirror: false, dryRun: false };
    case 'shadow': return { primary: 'legacy', mirror: mayMirror, dryRun: mayMirror && !idempotent };
    case 'canary': {
      const key = spec.userKey ? extractKey(spec.userKey, keyContext(hit, input.headers), opts.jwtSecret) : undefined;
      const primary = mode.percent >= 100 ? 'next' : mode.percent <= 0 ? 'legacy' : canarySide(mode.percent, key);
      const mirror = spec.canaryShadow === true && mayMirror;
      return { primary, mirror, dryRun: mirror && !idempotent };
    }
    case 'owner': {
      const key = spec.entityKey ? extractKey(spec.entityKey, keyContext(hit, input.headers), opts.jwtSecret) : undefined;
      return { primary: opts.owner?.sideFor(spec.id, key) ?? 'legacy', mirror: false, dryRun: false };
    }
    default: return assertNever(mode, 'route mode');
  }
}
