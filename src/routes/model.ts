/**
 * The ONE route model, below the gateway and the state store: both import it, and the control plane changes a route
 * through it without importing the gateway. A route matches method + path pattern (+ optional header / cookie
 * conditions) and carries a mode telling which side answers the user. Plain JSON, so it can live in the state store.
 *
 * Stored form (state store rows, unchanged since migration 002 so existing stores stay readable): the mode as a word
 * (`ModeKind`) plus `canaryPercent`, and the gateway fields of `RouteOptions` in the free `options` object.
 * `modeOf` / `storedMode` convert between that and the `RouteMode` object everything else speaks.
 */
export type Side = 'legacy' | 'next';

export const MODE_KINDS = ['legacy', 'shadow', 'canary', 'next', 'owner'] as const;
export type ModeKind = (typeof MODE_KINDS)[number];

export type RouteMode =
  | { readonly kind: 'legacy' }
  | { readonly kind: 'shadow' }
  | { readonly kind: 'canary'; readonly percent: number }
  | { readonly kind: 'next' }
  /** By the entity's migration state in the ledger (resolved through the gateway's `OwnerResolver`). */
  | { readonly kind: 'owner' };

/** Where a user or entity key is read from. `jwt` reads a claim of the bearer token (Authorization header). */
export type KeySource =
  | { readonly from: 'param'; readonly name: string }
  | { readonly from: 'header'; readonly name: string }
  | { readonly from: 'cookie'; readonly name: string }
  | { readonly from: 'jwt'; readonly claim: string };

/** A header or cookie condition: present (no `equals`/`matches`), equal to a value, matching a regular expression source, or (`absent: true`) absent. */
export interface MatchCondition {
  readonly name: string;
  readonly equals?: string;
  /** A JavaScript regular expression source (no slashes). */
  readonly matches?: string;
  /** true: the header/cookie must be absent. */
  readonly absent?: boolean;
}

export interface RouteMatch {
  /** Upper-case HTTP methods; absent or empty = any method. */
  readonly methods?: readonly string[];
  /** Path pattern: literal segments, `:name` params (one segment), trailing `*` (rest of the path). Starts with `/`. */
  readonly path: string;
  /** Header conditions (names case-insensitive); all must hold. */
  readonly headers?: readonly MatchCondition[];
  /** Cookie conditions; all must hold. */
  readonly cookies?: readonly MatchCondition[];
}

/** The gateway fields of a route; stored in the state store's free `options` object. */
export interface RouteOptions {
  /** Sticky canary key. Absent (or missing on a request): the request is routed at random with the same share. */
  readonly userKey?: KeySource;
  /** Entity key for `owner` mode. */
  readonly entityKey?: KeySource;
  /** `owner` mode: the ledger's entity name (the mappings' entity, e.g. `customer`). Required with `owner`. */
  readonly entity?: string;
  /**
   * `owner` mode: a read of an entity not yet in next aspires it (pulls it from legacy into next) and is answered by
   * next once that returns; past `aspireBudgetMs`, or on any aspire failure, legacy answers and aspire goes on in the
   * background. Writes never wait: they go to legacy unless next owns the entity. Default false.
   */
  readonly aspireOnFirstTouch?: boolean;
  /** Longest a first-touch read waits for aspire, in ms. Default `DEFAULT_ASPIRE_BUDGET_MS`. */
  readonly aspireBudgetMs?: number;
  /** Mirror non-idempotent methods too (next receives `X-Siphon-Dry-Run: 1`). Default false. */
  readonly mirrorWrites?: boolean;
  /** In canary mode, also mirror each request to the side that did not answer. Default false. */
  readonly canaryShadow?: boolean;
  /** Answer idempotent next-routed requests from legacy on next's error/timeout/5xx. Default true. */
  readonly fallback?: boolean;
}

export interface RouteSpec extends RouteOptions {
  readonly id: string;
  readonly match: RouteMatch;
  readonly mode: RouteMode;
}

/** The methods a retry or a mirror copy cannot harm (RFC 9110 §9.2.2). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Methods that only read: the only ones `owner` mode may send to next for an entity next does not own yet. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Default time budget of a first-touch aspire (issue 13): past it, legacy answers. */
export const DEFAULT_ASPIRE_BUDGET_MS = 200;

/** The mode object of a stored route (word + percent). */
export function modeOf(kind: ModeKind, canaryPercent: number): RouteMode {
  return kind === 'canary' ? { kind: 'canary', percent: canaryPercent } : { kind };
}

/** The stored fields of a mode: a canary keeps its percent, every other mode stores 0 (a later canary starts from nothing). */
export function storedMode(mode: RouteMode): { mode: ModeKind; canaryPercent: number } {
  return { mode: mode.kind, canaryPercent: mode.kind === 'canary' ? mode.percent : 0 };
}

/**
 * The aggregation key of a route's traffic in metrics and diffs: `GET|HEAD /customers/:id` (`*` for any method).
 * The gateway's `compileRoute` builds the same string; the control plane uses this one to find a route's diffs.
 */
export function endpointOf(match: RouteMatch): string {
  const methods = match.methods?.length ? [...new Set(match.methods.map((m) => m.toUpperCase()))] : undefined;
  return `${methods ? methods.join('|') : '*'} ${match.path}`;
}
