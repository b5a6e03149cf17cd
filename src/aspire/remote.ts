import { openDatabase } from '../backends/open.js';
import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { openAspireFlights } from '../state/aspire/open.js';
import type { AspireFlightStore } from '../state/aspire/types.js';
import { AspireConfigError, AspireError } from './errors.js';
import { unexpected } from './aspirer.js';
import { aspireMetrics, recordResult } from './metrics.js';
import type { EntityPlan } from './plan.js';
import { keyValue, ledgerKey, planEntities, planFor } from './plan.js';
import type { FlightVerdict } from './results.js';
import { toResult, verdictOf, waitSettled } from './results.js';
import type { AspireRequest, AspireResult, Aspirer } from './types.js';

export interface RemoteAspirerOptions {
  readonly config: ResolvedConfig;
  /** Default: `openAspireFlights(config.state)` (closed with the aspirer). */
  readonly flights?: AspireFlightStore;
  /** Read once to learn the entities' key types; default: opened from config.legacy.db and closed at once. */
  readonly legacy?: Database;
  /** How long a call waits for the serving process (default 30 s); the request stays queued after that. */
  readonly waitTimeoutMs?: number;
}

export interface RemoteAspirer extends Aspirer {
  ledgerKey(entity: string, key: string): string;
}

/**
 * `connectAspirer`: aspire from a process that does not run the data path (the CLI, a gateway worker). A call queues
 * a request line in the state store (`aspire_flights`, or joins the flight already there) and waits until the process
 * that runs the data path (`siphon migrate`, which serves queued lines) settles it: woken by NOTIFY on PostgreSQL,
 * by a short doubling poll (1 → 50 ms) on SQLite. Same answers as the local aspirer; `shared` when the call joined a
 * flight somebody else started.
 */
export async function connectAspirer(o: RemoteAspirerOptions): Promise<RemoteAspirer> {
  const legacy = o.legacy ?? await openDatabase(o.config.legacy.db, { mustExist: true });
  let plans: Map<string, EntityPlan | AspireConfigError>;
  try { plans = await planEntities(o.config, legacy); } finally { if (!o.legacy) await legacy.close(); }
  const flights = o.flights ?? await openAspireFlights(o.config.state);
  return new RemoteAspirerImpl(plans, flights, !o.flights, o.waitTimeoutMs ?? 30_000);
}

class RemoteAspirerImpl implements RemoteAspirer {
  private readonly local = new Map<string, Promise<FlightVerdict & { joined: boolean }>>();
  private readonly metrics = aspireMetrics();

  constructor(private readonly plans: ReadonlyMap<string, EntityPlan | AspireConfigError>, private readonly flights: AspireFlightStore,
    private readonly ownsFlights: boolean, private readonly waitTimeoutMs: number) {}

  ledgerKey(entity: string, key: string): string {
    return ledgerKey(keyValue(planFor(this.plans, entity), key));
  }

  async aspire(req: AspireRequest): Promise<AspireResult> {
    const t0 = performance.now();
    let lk: string;
    try { lk = this.ledgerKey(req.entity, req.key); } catch (e) {
      if (!(e instanceof AspireError)) throw e;
      return { outcome: 'failed', entity: req.entity, key: req.key, ms: performance.now() - t0, reason: e.code, message: e.message, retryable: false };
    }
    const fk = `${req.entity}\u0000${lk}`;
    let f = this.local.get(fk);
    let joinedHere = false;
    if (f) joinedHere = true;
    else {
      f = this.request(req, lk).finally(() => this.local.delete(fk));
      this.local.set(fk, f);
    }
    let v: FlightVerdict & { joined: boolean };
    try { v = await f; } catch (e) { v = unexpected(e); }
    const r = toResult(req.entity, req.key, performance.now() - t0, v, v.joined || joinedHere);
    recordResult(this.metrics, req.trigger, r);
    if (r.outcome === 'shared') this.metrics.sharedFlights.inc({ entity: req.entity, scope: joinedHere ? 'process' : 'store' });
    return r;
  }

  private async request(req: AspireRequest, lk: string): Promise<FlightVerdict & { joined: boolean }> {
    const deadline = Date.now() + this.waitTimeoutMs;
    for (;;) {
      const q = await this.flights.request({ entity: req.entity, key: lk, plainKey: req.key, trigger: req.trigger, actor: req.actor ?? null });
      if (q.record.state === 'migrated') return { kind: 'already', version: q.record.version, joined: false };
      const r = await waitSettled(this.flights, req.entity, lk, { deadline, claimQueued: false, ...(req.signal ? { signal: req.signal } : {}) });
      if (r === 'aborted') return { kind: 'aborted', joined: false };
      if (r === 'timeout') {
        return { kind: 'failed', reason: 'NO_DATA_PATH', retryable: true, joined: !q.created,
          message: `no process running the data path (siphon migrate) settled the request within ${this.waitTimeoutMs} ms; it stays queued and is served when one runs` };
      }
      if (r === null) continue; // the owner's lease ran out: queue it again
      return { ...verdictOf(r), joined: !q.created };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.local.values()]);
    if (this.ownsFlights) await this.flights.close();
  }
}
