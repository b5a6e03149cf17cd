import { liveCounter, liveGauge, liveHistogram } from '../../observe/live-metrics.js';

/** Owner mode's metrics: why each request went where it went, first touches, aspire flights, the ledger cache. */
export class OwnerMetrics {
  readonly decisions = liveCounter({
    name: 'siphon_gateway_owner_decisions_total',
    help: 'Owner-mode requests by route, the side chosen and why (in-next, aspired, budget, aspire-failed, quarantined...)',
    labelNames: ['route', 'side', 'reason'] as const,
  });
  readonly firstTouch = liveHistogram({
    name: 'siphon_gateway_first_touch_seconds',
    help: 'Time a first-touch read waited for aspire before its side was chosen, by route and result',
    labelNames: ['route', 'result'] as const,
  });
  readonly budgetOverruns = liveCounter({
    name: 'siphon_gateway_aspire_budget_overruns_total',
    help: 'First-touch reads answered by legacy because aspire took longer than the route budget',
    labelNames: ['route'] as const,
  });
  readonly flights = liveCounter({
    name: 'siphon_gateway_aspire_flights_total',
    help: 'Aspire calls made by the gateway, by outcome (migrated, already, shared, quarantined, failed, error)',
    labelNames: ['entity', 'outcome'] as const,
  });
  readonly joined = liveCounter({
    name: 'siphon_gateway_aspire_joined_total',
    help: 'First-touch reads that joined an aspire flight already running in this process (no second call)',
    labelNames: ['entity'] as const,
  });
  readonly cacheEntries = liveGauge({ name: 'siphon_gateway_ledger_cache_entries', help: 'Entities known to be in next (or quarantined) in the local ledger cache' });
  readonly cacheStaleness = liveGauge({
    name: 'siphon_gateway_ledger_cache_staleness_seconds',
    help: 'Age of the last complete read of the ledger change feed (the bound on how stale owner routing can be)',
  });
  readonly cacheErrors = liveCounter({ name: 'siphon_gateway_ledger_cache_errors_total', help: 'Failed reads of the ledger change feed', labelNames: [] });
  readonly cacheOverflow = liveCounter({
    name: 'siphon_gateway_ledger_cache_overflow_total',
    help: 'Ledger lines not cached because the cache was full (those entities are treated as not in next)', labelNames: [],
  });
}
