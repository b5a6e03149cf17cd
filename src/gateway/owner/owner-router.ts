import type { Logger } from '../../observe/logger.js';
import { aspireMetrics } from '../../aspire/metrics.js';
import { assertNever } from '../../errors.js';
import type { OwnerReason, OwnerResolver, OwnerVerdict } from '../routing/decide.js';
import { DEFAULT_ASPIRE_BUDGET_MS, SAFE_METHODS, type RouteSpec } from '../routing/route.js';
import type { GatewayAspirer, GatewayAspireResult } from './aspire-port.js';
import type { LedgerView } from './ledger-cache.js';
import { OwnerMetrics } from './owner-metrics.js';

export interface OwnerRouterOptions {
  readonly ledger: LedgerView;
  /** Absent: `aspireOnFirstTouch` routes behave as plain owner routes (not in next → legacy). */
  readonly aspirer?: GatewayAspirer;
  /** Recorded by aspire in its audit entry (e.g. `gateway@host:pid`). */
  readonly actor?: string;
  /** Aspire flights one process runs at once; beyond, first touches go to legacy (`aspire-busy`). Default 2000. */
  readonly maxFlights?: number;
  /** After a failed aspire, the entity's reads go to legacy without a new attempt for this long. Default 5000 ms. */
  readonly retryAfterMs?: number;
  /**
   * The request's key → the ledger's key (e.g. `42` → `int:42`); throws or returns undefined for a key that cannot
   * be one (legacy answers: `bad-key`). Default: the aspirer's `ledgerKey`, else the key unchanged.
   */
  readonly ledgerKey?: (entity: string, key: string) => string | undefined;
  readonly log?: Logger;
  readonly metrics?: OwnerMetrics;
}

type FlightEnd = GatewayAspireResult | { readonly outcome: 'error'; readonly message: string };

interface Flight {
  readonly done: Promise<FlightEnd>;
}

const verdict = (side: OwnerVerdict['side'], reason: OwnerReason): OwnerVerdict => ({ side, reason });
const V = {
  inNext: verdict('next', 'in-next'), owned: verdict('next', 'owned'), aspired: verdict('next', 'aspired'),
  notInNext: verdict('legacy', 'not-in-next'), write: verdict('legacy', 'write'), quarantined: verdict('legacy', 'quarantined'),
  noKey: verdict('legacy', 'no-key'), badKey: verdict('legacy', 'bad-key'), budget: verdict('legacy', 'budget'), failed: verdict('legacy', 'aspire-failed'),
  busy: verdict('legacy', 'aspire-busy'), retryLater: verdict('legacy', 'retry-later'), body: verdict('legacy', 'body'),
} as const;
const MAX_REMEMBERED_FAILURES = 10_000;

/**
 * `owner` mode: an entity in next (ledger: copied, verified, owned-by-next) is served by next, others by legacy;
 * writes go to next only for entities next owns (`owned-by-next`: per-entity write cutover), else to legacy, which
 * reaches next through capture. With `aspireOnFirstTouch`, a read of an entity not yet in next starts (or joins) one
 * aspire flight per entity in this process and waits for it up to the route's budget: the user never waits longer,
 * and never gets an error because of aspire — legacy answers, and the flight finishes in the background.
 *
 * Memory: flights are bounded by `maxFlights`, remembered failures by 10,000 entries (oldest forgotten first).
 */
export class OwnerRouter implements OwnerResolver {
  readonly #flights = new Map<string, Flight>();
  /** entity\0key → time before which no new aspire is tried. Insertion order = age. */
  readonly #failures = new Map<string, number>();
  readonly metrics: OwnerMetrics;
  readonly #ledgerKey: (entity: string, key: string) => string | undefined;
  readonly #aspireMetrics = aspireMetrics();

  constructor(private readonly opts: OwnerRouterOptions) {
    this.metrics = opts.metrics ?? new OwnerMetrics();
    const a = opts.aspirer;
    this.#ledgerKey = opts.ledgerKey ?? (a?.ledgerKey ? (e, k) => a.ledgerKey!(e, k) : (_e, k) => k);
  }

  /** Flights running now (tests, status). */
  get flights(): number { return this.#flights.size; }

  resolve(spec: RouteSpec, key: string | undefined, method: string, hasBody = false): OwnerVerdict | Promise<OwnerVerdict> {
    const v = this.#resolve(spec, key, method, hasBody);
    if (!(v instanceof Promise)) this.counted(spec.id, v);
    return v;
  }

  /** Counts a verdict under its route (the proxy also calls it for settled first touches and for fallbacks). */
  counted(route: string, v: OwnerVerdict): OwnerVerdict {
    this.metrics.decisions.series(route, v.side, v.reason).value++;
    return v;
  }

  #resolve(spec: RouteSpec, key: string | undefined, method: string, hasBody: boolean): OwnerVerdict | Promise<OwnerVerdict> {
    const entity = spec.entity;
    if (key === undefined || key === '' || entity === undefined) return V.noKey;
    let lk: string | undefined;
    try { lk = this.#ledgerKey(entity, key); } catch { lk = undefined; }
    if (lk === undefined) return V.badKey;
    const state = this.opts.ledger.stateOf(entity, lk);
    if (!SAFE_METHODS.has(method)) {
      if (state === 'owned-by-next') return V.owned;
      // a write on first touch does not wait, but starts the pull: the user's next read finds the entity in next
      if (state === undefined && spec.aspireOnFirstTouch) this.#flight(entity, key, lk);
      return V.write;
    }
    switch (state) {
      case 'copied': case 'verified': case 'owned-by-next': return V.inNext;
      case 'quarantined': return V.quarantined;
      case 'legacy': case undefined: break;
      default: return assertNever(state, 'ledger state');
    }
    if (!spec.aspireOnFirstTouch || !this.opts.aspirer) return V.notInNext;
    const id = `${entity}\0${lk}`;
    const retryAt = this.#failures.get(id);
    if (retryAt !== undefined) {
      if (Date.now() < retryAt) return V.retryLater;
      this.#failures.delete(id);
    }
    const flight = this.#flight(entity, key, lk);
    if (!flight) return V.busy;
    // a read with a body would hold its unread body in the socket while waiting: it starts the pull, legacy answers
    if (hasBody) return V.body;
    return this.#wait(spec, flight);
  }

  /** `key` as the request gave it (what aspire takes), `lk` as the ledger writes it (what the cache is keyed by). */
  #flight(entity: string, key: string, lk: string): Flight | undefined {
    const id = `${entity}\0${lk}`;
    const running = this.#flights.get(id);
    if (running) { this.metrics.joined.series(entity).value++; return running; }
    const aspirer = this.opts.aspirer;
    if (!aspirer || this.#flights.size >= (this.opts.maxFlights ?? 2000)) return undefined;
    const done: Promise<FlightEnd> = aspirer.aspire({ entity, key, trigger: 'gateway', ...(this.opts.actor ? { actor: this.opts.actor } : {}) })
      .catch((e: unknown): FlightEnd => ({ outcome: 'error', message: e instanceof Error ? e.message : String(e) }))
      .then((end) => { this.#landed(entity, lk, id, end); return end; });
    const flight = { done };
    this.#flights.set(id, flight);
    return flight;
  }

  /** Whatever the waiting users got, the flight's result updates this process's view at once. */
  #landed(entity: string, key: string, id: string, end: FlightEnd): void {
    this.#flights.delete(id);
    this.metrics.flights.series(entity, end.outcome).value++;
    switch (end.outcome) {
      case 'migrated': case 'already': case 'shared': this.opts.ledger.note(entity, key, 'copied'); return;
      case 'quarantined':
        this.opts.ledger.note(entity, key, 'quarantined');
        this.opts.log?.warn({ entity, key, failed: end.failed.map((f) => `${f.table}: ${f.reason}`) }, 'aspire: entity has quarantined rows; legacy serves it');
        return;
      case 'failed': case 'error': {
        this.#failures.delete(id);
        this.#failures.set(id, Date.now() + (this.opts.retryAfterMs ?? 5000));
        if (this.#failures.size > MAX_REMEMBERED_FAILURES) this.#failures.delete(this.#failures.keys().next().value!);
        const reason = end.outcome === 'failed' ? end.reason : 'error';
        this.opts.log?.warn({ entity, key, reason, error: end.message }, 'aspire failed: legacy serves the entity');
        return;
      }
      default: assertNever(end, 'aspire outcome');
    }
  }

  #wait(spec: RouteSpec, flight: Flight): Promise<OwnerVerdict> {
    const started = performance.now();
    const budget = spec.aspireBudgetMs ?? DEFAULT_ASPIRE_BUDGET_MS;
    return new Promise<OwnerVerdict>((resolve) => {
      let settled = false;
      const settle = (v: OwnerVerdict, result: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.metrics.firstTouch.series(spec.id, result).observe((performance.now() - started) / 1000);
        resolve(this.counted(spec.id, v));
      };
      // one timer per waiting first touch: rare (once per entity), unlike the per-request path
      const timer = setTimeout(() => {
        this.metrics.budgetOverruns.series(spec.id).value++;
        // aspire's own count of overruns, by entity (its metrics page lists it; the gateway is the one that knows)
        this.#aspireMetrics.budgetOverruns.inc({ entity: spec.entity ?? '', trigger: 'gateway' });
        settle(V.budget, 'budget');
      }, budget);
      void flight.done.then((end) => {
        switch (end.outcome) {
          case 'migrated': case 'already': case 'shared': settle(V.aspired, 'aspired'); return;
          case 'quarantined': settle(V.quarantined, 'quarantined'); return;
          case 'failed': case 'error': settle(V.failed, 'failed'); return;
          default: assertNever(end, 'aspire outcome');
        }
      });
    });
  }
}
