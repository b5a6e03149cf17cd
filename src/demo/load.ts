/**
 * Users reading one route through the gateway for as long as a step needs (the traffic generator runs for a fixed
 * time; a canary runs until the analysis ends it). Open loop (requests start on schedule, as real users do), each
 * user a stable `x-user-id` so the canary keeps a user on one side, at most 200 in flight.
 */
export interface LoadSummary {
  readonly sent: number;
  readonly statuses: Record<string, number>;
  /** Network errors (no answer at all). */
  readonly failed: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly rate: number;
  readonly users: number;
  /** The path user `u` (0-based) reads. */
  readonly path: (user: number) => string;
}

export function startLoad(o: LoadOptions): { stop(): Promise<LoadSummary> } {
  let sent = 0, failed = 0;
  const statuses: Record<string, number> = {};
  const inflight = new Set<Promise<void>>();
  const t0 = performance.now();
  const fire = () => {
    const u = (sent++ * 7919) % o.users;
    const p = fetch(o.url + o.path(u), { headers: { 'x-user-id': `user-${u}` } })
      .then(async (r) => { statuses[r.status] = (statuses[r.status] ?? 0) + 1; await r.arrayBuffer(); })
      .catch(() => { failed++; })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  // each timer turn sends what is due since the start: a late timer on a loaded machine catches up (bounded)
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * o.rate);
    for (let n = Math.min(due - sent, o.rate); n > 0 && inflight.size < 200; n--) fire();
  }, 10);
  return { async stop() { clearInterval(timer); await Promise.all(inflight); return { sent, statuses, failed }; } };
}
