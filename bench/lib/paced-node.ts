import { Pool, type Dispatcher } from 'undici';
import type { PacedOptions, PacedResult } from './paced.js';

/**
 * The Node (undici) paced generator: the fallback when bench/lib/paced.c cannot be compiled, and a comparison point
 * (SIPHON_PACED=node). Same schedule as the C one, but timers tick every millisecond: requests due in the same
 * millisecond leave together (rate/1000 per tick), and at 10k req/s it burns most of a core of its own.
 */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function pacedLoadNode(o: PacedOptions): Promise<PacedResult> {
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
