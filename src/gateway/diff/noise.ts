import { DiffConfigError } from './errors.js';
import { checkPrefix, isUnderPrefix } from './path.js';

/**
 * Noise cancellation as Diffy does it. For each endpoint and field (normalised path) we count, over the requests that
 * also got an answer from a second legacy instance:
 *   raw   = requests where legacy ≠ next at that field,
 *   noise = requests where legacy ≠ legacy2 at that field.
 * A field is a REAL difference when all hold (the formulas of Diffy's `JoinedField`/`DifferencesFilterFactory`):
 *   raw > noise,
 *   relative = (raw − noise) / (raw + noise) × 100 > relativeThreshold   (how clearly next is worse than legacy noise),
 *   absolute = (raw − noise) / total × 100 > absoluteThreshold           (share of all compared requests affected),
 * and the field is not under an ignored prefix. Without any legacy2 answer for the endpoint, only the prefixes apply:
 * every non-ignored difference is real. The relative form is bounded (0–100) where `(raw − noise)/noise` is infinite
 * at zero noise, which is why Diffy (and we) use it.
 *
 * One addition to Diffy: a field where legacy disagrees with itself on at least `nondeterministicFloor` % of the
 * requests (a timestamp, a generated id) is non-deterministic: its value differences are noise even when next differs
 * there more often than legacy2 does. That happens with timestamps because the primary call and the mirror copies do
 * not run at the same instant and the two sides have different latencies, so equal-by-chance timestamps are more
 * frequent between the two legacies than between legacy and next. Kinds legacy never showed at that field (a missing
 * or retyped timestamp) still count.
 */
export interface NoiseConfig {
  /** Percent, default 20 (Diffy's default). */
  readonly relativeThreshold?: number;
  /** Percent of compared requests, default 0.03 (Diffy's default). */
  readonly absoluteThreshold?: number;
  /** Percent of requests with legacy ≠ legacy2 at a field above which it is non-deterministic (default 10). */
  readonly nondeterministicFloor?: number;
  /** Prefixes ignored on every route: `$.requestId`, `header:date`, `status`. */
  readonly ignore?: readonly string[];
  /** Prefixes ignored per route id or per endpoint (`GET /invoices/:id`). */
  readonly ignoreByRoute?: Readonly<Record<string, readonly string[]>>;
}

export interface FieldCounts {
  /** Requests with a legacy2 answer where legacy ≠ next at this field. */
  readonly raw: number;
  /** Requests where legacy ≠ legacy2 at this field. */
  readonly noise: number;
  /** Requests of the endpoint that had a legacy2 answer. */
  readonly total: number;
  /** Requests where legacy ≠ next at this field, legacy2 or not. */
  readonly rawAll: number;
  /** True when every kind of legacy↔next difference seen at this field was also seen between the two legacies. */
  readonly kindsSeenInNoise?: boolean;
}

export interface FieldVerdict {
  readonly real: boolean;
  /** Percent; undefined without noise data. */
  readonly relative?: number;
  readonly absolute?: number;
  readonly reason: 'no-noise-data' | 'above-noise' | 'within-noise' | 'nondeterministic';
}

export class NoiseRules {
  readonly relativeThreshold: number;
  readonly absoluteThreshold: number;
  readonly nondeterministicFloor: number;
  private readonly global: string[];
  private readonly byRoute = new Map<string, string[]>();

  constructor(config: NoiseConfig = {}) {
    this.relativeThreshold = threshold(config.relativeThreshold, 20, 'noise.relativeThreshold');
    this.absoluteThreshold = threshold(config.absoluteThreshold, 0.03, 'noise.absoluteThreshold');
    this.nondeterministicFloor = threshold(config.nondeterministicFloor, 10, 'noise.nondeterministicFloor');
    this.global = (config.ignore ?? []).map((p, i) => checkPrefix(p, `noise.ignore[${i}]`));
    for (const [route, prefixes] of Object.entries(config.ignoreByRoute ?? {})) {
      if (!Array.isArray(prefixes)) throw new DiffConfigError(`noise.ignoreByRoute["${route}"]`, 'must be a list of paths');
      this.byRoute.set(route, prefixes.map((p, i) => checkPrefix(p, `noise.ignoreByRoute["${route}"][${i}]`)));
    }
  }

  isIgnored(routeId: string, endpoint: string, normPath: string): boolean {
    const hit = (ps: readonly string[] | undefined): boolean => !!ps && ps.some((p) => isUnderPrefix(normPath, p));
    return hit(this.global) || hit(this.byRoute.get(routeId)) || hit(this.byRoute.get(endpoint));
  }

  classify(c: FieldCounts): FieldVerdict {
    if (c.total === 0) return { real: c.rawAll > 0, reason: 'no-noise-data' };
    const diff = c.raw - c.noise;
    const relative = c.raw + c.noise === 0 ? 0 : (Math.abs(diff) / (c.raw + c.noise)) * 100;
    const absolute = (Math.abs(diff) / c.total) * 100;
    const verdict = { relative: round(relative), absolute: round(absolute) };
    if (c.kindsSeenInNoise && (c.noise / c.total) * 100 >= this.nondeterministicFloor) return { real: false, ...verdict, reason: 'nondeterministic' };
    const real = c.raw > c.noise && relative > this.relativeThreshold && absolute > this.absoluteThreshold;
    return { real, ...verdict, reason: real ? 'above-noise' : 'within-noise' };
  }
}

function threshold(v: number | undefined, dflt: number, where: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
    throw new DiffConfigError(where, `must be a percentage between 0 and 100, got ${JSON.stringify(v)}`);
  }
  return v;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
