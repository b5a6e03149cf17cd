import { assertNever } from '../../errors.js';
import { canarySide } from './canary.js';
import { keyContext, type MatchInput, type RouteHit } from './compile.js';
import { extractKey } from './keys.js';
import { IDEMPOTENT_METHODS, type RouteSpec, type Side } from './route.js';

const NO_RESOLVER: OwnerVerdict = { side: 'legacy', reason: 'no-resolver' };

/**
 * Why an `owner`-mode request went where it went (metric label, `x-siphon-served-by` header, log):
 * - next: `in-next` (ledger: copied, verified or owned-by-next; reads), `owned` (owned-by-next; writes), `aspired`
 *   (first touch: aspire returned within the budget);
 * - legacy: `not-in-next` (no aspire on first touch), `write` (a write for an entity next does not own),
 *   `quarantined` (a row of the entity could not be migrated), `no-key` (no entity key on the request), `bad-key`
 *   (a key that cannot be the entity's: not a number for a numeric key...), `budget`
 *   (aspire took longer than the budget; it goes on in the background), `aspire-failed`, `aspire-busy` (too many
 *   flights at once), `retry-later` (aspire failed for this entity moments ago), `body` (a read with a body does not
 *   wait), `no-resolver` (the gateway has no ledger), `fallback` (next failed; legacy answered).
 */
export type OwnerReason =
  | 'in-next' | 'owned' | 'aspired'
  | 'not-in-next' | 'write' | 'quarantined' | 'no-key' | 'bad-key' | 'budget' | 'aspire-failed' | 'aspire-busy' | 'retry-later'
  | 'body' | 'no-resolver' | 'fallback';

export interface OwnerVerdict {
  readonly side: Side;
  readonly reason: OwnerReason;
}

/**
 * Hook for `owner` mode (`src/gateway/owner/owner-router.ts`): answers synchronously from a ledger cache kept fresh
 * by its owner — the hot path never waits on the state store. Only a first-touch read with `aspireOnFirstTouch` gets
 * a promise, settled within the route's budget, never rejected.
 */
export interface OwnerResolver {
  resolve(spec: RouteSpec, entityKey: string | undefined, method: string, hasBody: boolean): OwnerVerdict | Promise<OwnerVerdict>;
}

export interface Decision {
  /** The side whose answer the user gets. */
  readonly primary: Side;
  /** Send a copy to the other side (and to legacy2 when configured). */
  readonly mirror: boolean;
  /** The copy is a non-idempotent request: next must dry-run it (`X-Siphon-Dry-Run: 1`). */
  readonly dryRun: boolean;
  /** `owner` mode: the side and why. */
  readonly owner?: OwnerVerdict;
  /** `owner` mode, first touch: the verdict comes when aspire returns or the budget is spent (`primary` is legacy until then). */
  readonly pending?: Promise<OwnerVerdict>;
}

export interface DecideOptions {
  readonly owner?: OwnerResolver;
  readonly jwtSecret?: string;
}

/** What deciding needs beyond matching: whether the request carries a body (a read with one never waits for aspire). */
export interface DecideInput extends MatchInput {
  readonly hasBody?: boolean;
}

export function decide(hit: RouteHit, input: DecideInput, opts: DecideOptions): Decision {
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
      if (!opts.owner) return { primary: 'legacy', mirror: false, dryRun: false, owner: NO_RESOLVER };
      const key = spec.entityKey ? extractKey(spec.entityKey, keyContext(hit, input.headers), opts.jwtSecret) : undefined;
      const verdict = opts.owner.resolve(spec, key, input.method, input.hasBody === true);
      if (verdict instanceof Promise) return { primary: 'legacy', mirror: false, dryRun: false, pending: verdict };
      return { primary: verdict.side, mirror: false, dryRun: false, owner: verdict };
    }
    default: return assertNever(mode, 'route mode');
  }
}
