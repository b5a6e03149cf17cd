/**
 * Route table model. A route matches method + path pattern (+ optional header / cookie equalities) and carries a
 * mode telling which side answers the user. Routes are plain JSON so they can live in the state store.
 */
export type Side = 'legacy' | 'next';

export type RouteMode =
  | { readonly kind: 'legacy' }
  | { readonly kind: 'shadow' }
  | { readonly kind: 'canary'; readonly percent: number }
  | { readonly kind: 'next' }
  /** By the entity's migration state in the ledger (resolved through an `OwnerResolver`). */
  | { readonly kind: 'owner' };

export type ModeKind = RouteMode['kind'];

/** Where a user or entity key is read from. `jwt` reads a claim of the bearer token (Authorization header). */
export type KeySource =
  | { readonly from: 'param'; readonly name: string }
  | { readonly from: 'header'; readonly name: string }
  | { readonly from: 'cookie'; readonly name: string }
  | { readonly from: 'jwt'; readonly claim: string };

export interface RouteMatch {
  /** Upper-case methods; absent or empty = any method. */
  readonly methods?: readonly string[];
  /** Path pattern: literal segments, `:name` params (one segment), trailing `*` (rest of the path). */
  readonly path: string;
  /** Header conditions (names case-insensitive); all must hold. */
  readonly headers?: readonly MatchCondition[];
  /** Cookie conditions; all must hold. */
  readonly cookies?: readonly MatchCondition[];
}

/**
 * Same shape as the state store's `MatchCondition`: present (no `equals`/`matches`), equal to a value, matching a
 * regular expression source, or (`absent: true`) absent.
 */
export interface MatchCondition {
  readonly name: string;
  readonly equals?: string;
  readonly matches?: string;
  readonly absent?: boolean;
}

export interface RouteSpec {
  readonly id: string;
  readonly match: RouteMatch;
  readonly mode: RouteMode;
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

/** The methods a retry or a mirror copy cannot harm (RFC 9110 §9.2.2). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Methods that only read: the only ones `owner` mode may send to next for an entity next does not own yet. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Default time budget of a first-touch aspire (issue 13): past it, legacy answers. */
export const DEFAULT_ASPIRE_BUDGET_MS = 200;
