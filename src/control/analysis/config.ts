/**
 * The `analysis` section of the migration config: defaults for every canary route, overridden per route id.
 *
 *   analysis: {
 *     interval: '1m', threshold: 2, minRequests: 50, maxErrorRate: 0.01, maxLatencyRatio: 1.5, maxDiffRate: 0.01,
 *     steps: [1, 5, 25, 50, 100], passesPerStep: 3, gates: [50], webhook: { url: 'https://hooks.slack.com/…' },
 *     routes: { invoices: { maxDiffRate: 0.05 } },
 *   }
 *
 * Only zod here: the config barrel imports this file and must load light.
 */
import { z } from 'zod';
import { AnalysisConfigError } from './errors.js';
import type { AnalysisPolicy } from './judge.js';

const DURATION = 'a duration: milliseconds as a number, or a string such as "500ms", "30s", "2m"';
const SHARE = 'a share between 0 and 1 (0.01 = 1 %)';

/** `500ms`, `30s`, `2m`, `1h` or a number of ms → ms. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms'] ?? 1);
  return n > 0 ? Math.round(n) : undefined;
}

const duration = z.union([z.number(), z.string()], { error: DURATION })
  .refine((v) => parseDuration(v) !== undefined, { error: DURATION });
const share = z.number({ error: SHARE }).min(0, { error: SHARE }).max(1, { error: SHARE });
const positiveInt = (what: string) => z.number({ error: what }).int({ error: what }).min(1, { error: what });
const percentList = (what: string) => z.array(z.number({ error: what }).gt(0, { error: what }).max(100, { error: what }), { error: what });

export const webhookSchema = z.strictObject({
  url: z.string({ error: 'an http:// or https:// URL' }).refine((s) => /^https?:\/\/[^/]/.test(s), { error: 'an http:// or https:// URL' }),
  /** Extra request headers (e.g. an authorization header for a generic receiver). */
  headers: z.record(z.string(), z.string()).optional(),
  timeout: duration.optional(),
}, { error: 'an object { url, headers?, timeout? }' });

const routeFields = {
  interval: duration.optional(),
  threshold: positiveInt('a whole number of failed intervals >= 1').optional(),
  minRequests: positiveInt('a whole number of requests >= 1').optional(),
  minCompared: positiveInt('a whole number of compared exchanges >= 1').optional(),
  maxErrorRate: share.optional(),
  maxLatencyRatio: z.number({ error: 'a ratio >= 1 (next p99 / legacy p99)' }).min(1, { error: 'a ratio >= 1 (next p99 / legacy p99)' }).optional(),
  latencyTolerance: duration.optional(),
  /** null or absent: the diff check is off (no shadow comparison during the canary). */
  maxDiffRate: share.nullable().optional(),
  steps: percentList('an increasing list of percentages in (0, 100]').min(1, { error: 'at least one step' }).optional(),
  passesPerStep: positiveInt('a whole number of passing intervals >= 1').optional(),
  gates: percentList('a list of step percentages held until approved').optional(),
  webhook: webhookSchema.optional(),
};

export const routeAnalysisSchema = z.strictObject(routeFields, { error: 'an object of analysis settings' });
export const analysisSchema = z.strictObject({
  ...routeFields,
  /** Stats bucket of the gateways (rows in route_stats); intervals are whole multiples of it. Default 1s. */
  bucket: duration.optional(),
  routes: z.record(z.string(), routeAnalysisSchema, { error: 'an object of per-route settings keyed by route id' }).optional(),
}, { error: 'an object { interval?, threshold?, …, routes? }' });

export type AnalysisConfig = z.input<typeof analysisSchema>;
export type RouteAnalysisConfig = z.input<typeof routeAnalysisSchema>;
export type WebhookConfig = z.input<typeof webhookSchema>;

export const DEFAULT_BUCKET_MS = 1000;
/** Flagger-like defaults: one-minute intervals, two strikes, a visible sample before anything passes. */
export const DEFAULT_POLICY: AnalysisPolicy = {
  intervalMs: 60_000, bucketMs: 1000, threshold: 2, minRequests: 50, maxErrorRate: 0.01, maxLatencyRatio: 1.5, latencyToleranceMs: 25,
  maxDiffRate: 0.01, minCompared: 20, steps: [1, 5, 25, 50, 100], passesPerStep: 3, gates: [],
};

export interface ResolvedWebhook { readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly timeoutMs: number }

function checkSteps(steps: readonly number[], gates: readonly number[], path: string): void {
  for (let i = 1; i < steps.length; i++) {
    if (!(steps[i]! > steps[i - 1]!)) throw new AnalysisConfigError(`steps must increase, got ${steps.join(', ')}`, `${path}.steps`);
  }
  for (const g of gates) {
    if (!steps.includes(g)) throw new AnalysisConfigError(`gate ${g} is not one of the steps (${steps.join(', ')})`, `${path}.gates`);
  }
}

/** Validates the section (zod), with the path of the first bad field in the error. */
export function parseAnalysisConfig(input: unknown, path = 'analysis'): AnalysisConfig {
  const r = analysisSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = [path, ...issue.path.map(String)].join('.');
    throw new AnalysisConfigError(issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message, where);
  }
  const c = r.data as AnalysisConfig;
  checkSteps(c.steps ?? DEFAULT_POLICY.steps, c.gates ?? [], path);
  for (const [id, rc] of Object.entries(c.routes ?? {})) checkSteps(rc.steps ?? c.steps ?? DEFAULT_POLICY.steps, rc.gates ?? c.gates ?? [], `${path}.routes.${id}`);
  return c;
}

/** The stats bucket of the config in ms. */
export function bucketMsOf(c: AnalysisConfig | undefined): number {
  return c?.bucket !== undefined ? parseDuration(c.bucket)! : DEFAULT_BUCKET_MS;
}

/** The policy of one route: defaults < the section's own fields < the route's fields < `overrides` (CLI flags). */
export function resolvePolicy(c: AnalysisConfig | undefined, route: string, overrides: RouteAnalysisConfig = {}): AnalysisPolicy {
  const layers: RouteAnalysisConfig[] = [c ?? {}, c?.routes?.[route] ?? {}, overrides];
  const pick = <K extends keyof RouteAnalysisConfig>(k: K): RouteAnalysisConfig[K] | undefined => {
    let v: RouteAnalysisConfig[K] | undefined;
    for (const l of layers) if (l[k] !== undefined) v = l[k];
    return v;
  };
  const bucket = bucketMsOf(c);
  const interval = pick('interval');
  const intervalMs = Math.max(bucket, Math.ceil((interval !== undefined ? parseDuration(interval)! : DEFAULT_POLICY.intervalMs) / bucket) * bucket);
  const tolerance = pick('latencyTolerance');
  const maxDiff = pick('maxDiffRate');
  const steps = pick('steps') ?? DEFAULT_POLICY.steps;
  const gates = pick('gates') ?? DEFAULT_POLICY.gates;
  checkSteps(steps, gates, route === '' ? 'analysis' : `analysis.routes.${route}`);
  const minRequests = pick('minRequests') ?? DEFAULT_POLICY.minRequests;
  return {
    intervalMs,
    bucketMs: bucket,
    threshold: pick('threshold') ?? DEFAULT_POLICY.threshold,
    minRequests,
    maxErrorRate: pick('maxErrorRate') ?? DEFAULT_POLICY.maxErrorRate,
    maxLatencyRatio: pick('maxLatencyRatio') ?? DEFAULT_POLICY.maxLatencyRatio,
    latencyToleranceMs: tolerance !== undefined ? parseDuration(tolerance)! : DEFAULT_POLICY.latencyToleranceMs,
    maxDiffRate: maxDiff === undefined ? DEFAULT_POLICY.maxDiffRate : maxDiff,
    minCompared: pick('minCompared') ?? Math.min(DEFAULT_POLICY.minCompared, minRequests),
    steps: [...steps],
    passesPerStep: pick('passesPerStep') ?? DEFAULT_POLICY.passesPerStep,
    gates: [...gates],
  };
}

/** The webhook of a route (its own, else the section's), or undefined. */
export function resolveWebhook(c: AnalysisConfig | undefined, route: string): ResolvedWebhook | undefined {
  const w = c?.routes?.[route]?.webhook ?? c?.webhook;
  if (!w) return undefined;
  return { url: w.url, headers: w.headers ?? {}, timeoutMs: w.timeout !== undefined ? parseDuration(w.timeout)! : 5000 };
}
