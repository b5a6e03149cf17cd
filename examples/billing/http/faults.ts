/**
 * Switches that make an app answer differently from the other one, as real rewrites do, for diff and canary tests.
 * Set them by constructor option, by environment (BILLING_FAULTS as JSON, or one BILLING_FAULT_* variable each), or at
 * run time through the admin endpoint (PUT /_admin/faults with the admin bearer token).
 */
import { z } from 'zod';

export const Faults = z.object({
  /** `address.postalCode` is answered as `address.zipCode` (a rename nobody told the clients about). */
  renamedField: z.boolean().optional(),
  /** Amounts including tax are recomputed from the amount excluding tax and truncated, not rounded: off by 0.01. */
  rounding: z.boolean().optional(),
  /** Wrong status mapping: suspended customers answer `active`, reminded invoices answer `issued`. */
  wrongStatus: z.boolean().optional(),
  /** Delay in ms before answering (every route, or only `slowRoute`). */
  slowMs: z.number().int().min(0).max(600_000).optional(),
  /** Route name the delay applies to, e.g. `GET /customers/:id/invoices`; all routes when absent. */
  slowRoute: z.string().optional(),
  /** Share of requests (0..1) answered with a 500, drawn from a seeded sequence (reproducible). */
  errorRate: z.number().min(0).max(1).optional(),
  /** Seed of the 5xx draw (default 1). */
  errorSeed: z.number().int().optional(),
  /** Never answer: the request hangs until the client gives up or the app closes. */
  hang: z.boolean().optional(),
}).strict();
export type Faults = z.infer<typeof Faults>;

export const FAULT_NAMES = ['renamedField', 'rounding', 'wrongStatus', 'slowMs', 'errorRate', 'hang'] as const;

export class FaultsError extends Error {}

export function parseFaults(input: unknown, where: string): Faults {
  const r = Faults.safeParse(input);
  if (!r.success) throw new FaultsError(`${where}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

const ENV_VARS: Readonly<Record<string, [keyof Faults, 'bool' | 'int' | 'number' | 'string']>> = {
  BILLING_FAULT_RENAMED_FIELD: ['renamedField', 'bool'],
  BILLING_FAULT_ROUNDING: ['rounding', 'bool'],
  BILLING_FAULT_WRONG_STATUS: ['wrongStatus', 'bool'],
  BILLING_FAULT_SLOW_MS: ['slowMs', 'int'],
  BILLING_FAULT_SLOW_ROUTE: ['slowRoute', 'string'],
  BILLING_FAULT_ERROR_RATE: ['errorRate', 'number'],
  BILLING_FAULT_HANG: ['hang', 'bool'],
};

/** Faults from the environment; a malformed value is an error naming the variable. */
export function faultsFromEnv(env: NodeJS.ProcessEnv = process.env): Faults {
  const out: Record<string, unknown> = {};
  if (env.BILLING_FAULTS) {
    try { Object.assign(out, JSON.parse(env.BILLING_FAULTS)); } catch (e) { throw new FaultsError(`BILLING_FAULTS is not JSON: ${(e as Error).message}`); }
  }
  for (const [name, [key, kind]] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (kind === 'bool') {
      if (!/^(1|0|true|false|yes|no)$/i.test(raw)) throw new FaultsError(`${name} must be 1/0/true/false, got "${raw}"`);
      out[key] = /^(1|true|yes)$/i.test(raw);
    } else if (kind === 'string') out[key] = raw;
    else {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new FaultsError(`${name} must be a number, got "${raw}"`);
      out[key] = n;
    }
  }
  return parseFaults(out, 'billing fault environment');
}
