import { Pool, type Dispatcher } from 'undici';

/**
 * Open-loop, evenly paced HTTP load (the wrk2 idea): request i is due at t0 + i/rate whatever happened to earlier
 * ones, and its latency is measured from that due time, so a stalled server is charged for the requests it held
 * back (no coordinated omission). Timers tick every millisecond: requests due in the same millisecond leave
 * together (rate/1000 per tick), which is as even as a JavaScript timer allows without burning a core.
 */
export interface PacedOptions {
  readonly url: string;
  readonly rate: number;
  readonly durationMs: number;
  readonly connections: number;
}

export interface PacedResult {
  readonly rate: number;
  readonly sent: number;
  readonly completed: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Requests that left more than 5 ms after their due time (generator or connections saturated). */
  readonly stalls: number;
  readonly achievedRps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function pacedLoad(o: PacedOptions): Promise<PacedResult> {
  const u = new URL(o.url);
  const pool = new Pool(u.origin, { connections: o.connections, pipelining: 1 });
  const path = u.pathname + u.search;
  const total = Math.floor((o.rate * o.durationMs) / 1000);
  const interval = 1000 / o.rate;
  const latencies = new Float64Array(total);
  let completed = 0; let errors = 0; let non2xx = 0; let stalls = 0; let sent = 0;
  let inFlight = 0;
  const start = performance.now() + 20;
  let finishedAt = 0;

  await new Promise<void>((resolveAll) => {
    const maybeDone = () => { if (sent === total && inFlight === 0) { finishedAt = performance.now(); resolveAll(); } };
    const send = (due: number) => {
      inFlight++;
      let status = 0;
      const handler: Dispatcher.DispatchHandler = {
        onConnect: () => {},
        onHeaders: (s) => { status = s; return true; },
        onData: () => true,
        onComplete: () => {
          latencies[completed++] = performance.now() - due;
          if (status < 200 || status >= 300) non2xx++;
          inFlight--; maybeDone();
        },
        onError: () => { errors++; inFlight--; maybeDone(); },
      };
      pool.dispatch({ method: 'GET', path, headers: ['host', u.host] }, handler);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total) {
        const due = start + sent * interval;
        if (due > now) break;
        if (now - due > 5) stalls++;
        sent++;
        send(due);
      }
      if (sent < total) setTimeout(tick, 1); else maybeDone();
    };
    setTimeout(tick, 20);
  });
  await pool.close();
  const sorted = latencies.subarray(0, completed).sort();
  return {
    rate: o.rate, sent, completed, errors, non2xx, stalls,
    achievedRps: completed / ((finishedAt - start) / 1000),
    p50Ms: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), p99Ms: quantile(sorted, 0.99),
    p999Ms: quantile(sorted, 0.999), maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}
