/**
 * Realistic traffic against a billing app (or the gateway in front of it): many users with stable ids (header
 * X-User-Id), each a customer looking at their account, invoices and paying; open-loop pacing (requests start on
 * schedule whether or not earlier ones finished, as real users do), seeded so that a run can be replayed.
 */
import { Agent, request } from 'undici';
import { Prng } from '../generate/prng.js';

export interface TrafficOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly target: string;
  /** Requests per second (open loop). */
  readonly rate: number;
  readonly durationS: number;
  readonly users: number;
  readonly seed: string | number;
  /** Customer ids are 1..customers (default 1000). */
  readonly customers?: number;
  /** Requests in flight beyond which new ones are dropped and counted (default 2000): memory stays bounded. */
  readonly maxInFlight?: number;
  /** Per-request timeout in ms (default 10000). */
  readonly timeoutMs?: number;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Reads only: a write drawn becomes a read of the same customer (same draws, so the rest of the stream is
   * unchanged). For a next system that must not take writes yet: they go to legacy and reach next through capture.
   */
  readonly readOnly?: boolean;
}

export interface RouteStats { count: number; p50: number; p99: number }

export interface TrafficSummary {
  readonly target: string;
  readonly rate: number;
  readonly durationS: number;
  readonly users: number;
  readonly seed: string | number;
  readonly requests: number;
  /** Answered with any status. */
  readonly completed: number;
  /** Network errors and timeouts. */
  readonly failed: number;
  /** Not started because too many were in flight. */
  readonly dropped: number;
  readonly statuses: Record<string, number>;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly routes: Record<string, RouteStats>;
  readonly achievedRate: number;
  readonly reads: number;
  readonly writes: number;
}

type Action = 'customer' | 'invoices' | 'invoice' | 'payment' | 'address';
const MIX: readonly (readonly [Action, number])[] = [['customer', 45], ['invoices', 30], ['invoice', 15], ['payment', 7], ['address', 3]];
const CITIES = [['69002', 'Lyon'], ['33000', 'Bordeaux'], ['44000', 'Nantes'], ['31000', 'Toulouse'], ['59000', 'Lille']] as const;

interface User { readonly id: string; readonly customer: number; readonly rng: Prng; invoices: { number: number; status: string; amountInclTax: number | null }[] }

export class TrafficOptionsError extends Error {}

function weightedAt<T>(entries: readonly (readonly [T, number])[], u: number): T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = u * total;
  for (const [item, w] of entries) { r -= w; if (r < 0) return item; }
  return entries[entries.length - 1]![0];
}

function validate(o: TrafficOptions): void {
  const bad = (m: string) => { throw new TrafficOptionsError(m); };
  try { new URL(o.target); } catch { bad(`--target must be a URL, got "${o.target}"`); }
  if (!(o.rate > 0 && o.rate <= 100_000)) bad(`--rate must be in (0, 100000] requests/s, got ${o.rate}`);
  if (!(o.durationS > 0 && o.durationS <= 86_400)) bad(`--duration must be in (0, 86400] seconds, got ${o.durationS}`);
  if (!(Number.isInteger(o.users) && o.users >= 1)) bad(`--users must be a positive integer, got ${o.users}`);
  if (o.customers !== undefined && !(Number.isInteger(o.customers) && o.customers >= 1)) bad(`--customers must be a positive integer, got ${o.customers}`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runTraffic(o: TrafficOptions): Promise<TrafficSummary> {
  validate(o);
  const base = o.target.replace(/\/$/, '');
  const customers = o.customers ?? 1000;
  const agent = new Agent({ connections: 128, keepAliveTimeout: 10_000 });
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxInFlight = o.maxInFlight ?? 2000;
  const pick = new Prng(`${o.seed}:traffic`);
  const users: User[] = Array.from({ length: o.users }, (_, i) => ({
    id: `user-${String(i + 1).padStart(5, '0')}`,
    // a stable customer per user, spread over the ids
    customer: ((i * 7919) % customers) + 1,
    rng: new Prng(`${o.seed}:user:${i + 1}`),
    invoices: [],
  }));
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const byRoute = new Map<string, number[]>();
  let requests = 0, completed = 0, failed = 0, dropped = 0, reads = 0, writes = 0, inFlight = 0;

  const call = async (user: User, route: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> => {
    const started = performance.now();
    try {
      const res = await request(base + path, {
        method, dispatcher: agent, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
        headers: { 'x-user-id': user.id, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...o.headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.body.text();
      const ms = performance.now() - started;
      completed++;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (latencies.length < 2_000_000) latencies.push(ms);
      let list = byRoute.get(route);
      if (!list) byRoute.set(route, (list = []));
      if (list.length < 500_000) list.push(ms);
      if (res.statusCode >= 200 && res.statusCode < 300) { try { return JSON.parse(text) as unknown; } catch { return undefined; } }
      return undefined;
    } catch {
      failed++;
      return undefined;
    }
  };

  /**
   * One user action. Four draws per action whatever happens, so a user's stream of choices does not depend on the
   * answers; what depends on them is only which invoice numbers the user knows (learnt from invoice lists).
   */
  const act = async (user: User): Promise<void> => {
    const [a, b, c, d] = [user.rng.next(), user.rng.next(), user.rng.next(), user.rng.next()];
    const choose = <T>(items: readonly T[], u: number): T => items[Math.min(items.length - 1, Math.floor(u * items.length))]!;
    let action = weightedAt(MIX, a);
    if ((action === 'invoice' || action === 'payment') && user.invoices.length === 0) action = 'invoices';
    if (o.readOnly && (action === 'payment' || action === 'address')) action = 'customer';
    switch (action) {
      case 'customer': reads++; await call(user, 'GET /customers/:id', 'GET', `/customers/${user.customer}`); return;
      case 'invoices': {
        reads++;
        const r = await call(user, 'GET /customers/:id/invoices', 'GET', `/customers/${user.customer}/invoices`) as { invoices?: User['invoices'] } | undefined;
        if (r?.invoices) user.invoices = r.invoices.slice(0, 12).map((i) => ({ number: i.number, status: i.status, amountInclTax: i.amountInclTax }));
        return;
      }
      case 'invoice': reads++; await call(user, 'GET /invoices/:num', 'GET', `/invoices/${choose(user.invoices, b).number}`); return;
      case 'payment': {
        writes++;
        const open = user.invoices.filter((i) => i.status === 'issued' || i.status === 'reminded');
        const inv = choose(open.length ? open : user.invoices, b);
        const amount = Math.max(1, Math.round((inv.amountInclTax ?? 10) * (c < 0.8 ? 100 : 50)) / 100);
        await call(user, 'POST /customers/:id/payments', 'POST', `/customers/${user.customer}/payments`, { invoiceNumber: inv.number, amount, method: choose(['card', 'transfer', 'cheque'] as const, d) });
        inv.status = 'paid';
        return;
      }
      case 'address': {
        writes++;
        const [cp, city] = choose(CITIES, b);
        await call(user, 'PUT /customers/:id/address', 'PUT', `/customers/${user.customer}/address`, { line1: `${1 + Math.floor(c * 99)} rue Nationale`, line2: null, postalCode: cp, city, country: 'FR' });
        return;
      }
    }
  };

  const started = performance.now();
  const total = Math.round(o.rate * o.durationS);
  const pending = new Set<Promise<void>>();
  for (let k = 0; k < total; k++) {
    const due = started + (k * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    requests++;
    if (inFlight >= maxInFlight) { dropped++; continue; }
    const user = users[Math.floor(pick.next() * users.length)]!;
    inFlight++;
    const p = act(user).finally(() => { inFlight--; pending.delete(p); });
    pending.add(p);
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - started) / 1000;
  await agent.close();
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  const routes: Record<string, RouteStats> = {};
  for (const [name, list] of byRoute) { list.sort((a, b) => a - b); routes[name] = { count: list.length, p50: round(percentile(list, 50)), p99: round(percentile(list, 99)) }; }
  return {
    target: base, rate: o.rate, durationS: o.durationS, users: o.users, seed: o.seed, requests, completed, failed, dropped, statuses,
    latencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
    routes, achievedRate: Math.round((completed / Math.max(elapsedS, 0.001)) * 10) / 10, reads, writes,
  };
}

export function formatTrafficSummary(s: TrafficSummary): string {
  const lines = [
    `traffic to ${s.target}: ${s.requests} requests (${s.reads} reads, ${s.writes} writes) by ${s.users} users over ${s.durationS} s at ${s.rate}/s (achieved ${s.achievedRate}/s)`,
    `  completed ${s.completed}, failed ${s.failed}, dropped ${s.dropped}; statuses ${Object.entries(s.statuses).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'}`,
    `  latency ms p50 ${s.latencyMs.p50}, p90 ${s.latencyMs.p90}, p99 ${s.latencyMs.p99}, max ${s.latencyMs.max}`,
    ...Object.entries(s.routes).map(([r, x]) => `  ${r.padEnd(30)} ${String(x.count).padStart(7)}  p50 ${x.p50} ms  p99 ${x.p99} ms`),
  ];
  return lines.join('\n');
}
