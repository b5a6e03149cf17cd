import { counter, histogram, LATENCY_BUCKETS } from '../observe/metrics.js';
import type { AspireResult, AspireTrigger } from './types.js';

/**
 * Aspire's metrics in the process registry (issue 13 item 3). Labels are low-cardinality: entity names, triggers,
 * outcomes, reason codes — never entity keys. The gateway increments `siphon_aspire_budget_overruns_total` itself
 * (`aspireMetrics().budgetOverruns.inc({ entity, trigger: 'gateway' })`) when it stops waiting and serves legacy.
 */
export function aspireMetrics() {
  return {
    calls: counter({ name: 'siphon_aspire_calls_total', help: 'Aspire calls by entity, trigger and outcome (migrated, already, shared, quarantined, failed)', labelNames: ['entity', 'trigger', 'outcome'] as const }),
    sharedFlights: counter({ name: 'siphon_aspire_shared_flights_total', help: 'Aspire calls that joined a flight already running for the same entity (in this process or another sharing the state store)', labelNames: ['entity', 'scope'] as const }),
    latency: histogram({ name: 'siphon_aspire_duration_seconds', help: 'Aspire call latency, from the call to its answer', labelNames: ['entity', 'outcome'] as const, buckets: LATENCY_BUCKETS }),
    budgetOverruns: counter({ name: 'siphon_aspire_budget_overruns_total', help: 'First touches served by legacy because aspire took longer than the time budget (incremented by the gateway)', labelNames: ['entity', 'trigger'] as const }),
    failures: counter({ name: 'siphon_aspire_failures_total', help: 'Aspire calls that failed, by reason code (quarantined rows count under QUARANTINED)', labelNames: ['entity', 'reason'] as const }),
    rows: counter({ name: 'siphon_aspire_rows_total', help: 'Legacy rows copied by aspire flights', labelNames: ['entity'] as const }),
    groups: counter({ name: 'siphon_aspire_chunks_total', help: 'Aspire chunks (one pair of watermarks, several entities) by result', labelNames: ['result'] as const }),
  };
}

export type AspireMetrics = ReturnType<typeof aspireMetrics>;

export function recordResult(m: AspireMetrics, trigger: AspireTrigger, r: AspireResult): void {
  m.calls.inc({ entity: r.entity, trigger, outcome: r.outcome });
  m.latency.observe({ entity: r.entity, outcome: r.outcome }, r.ms / 1000);
  if (r.outcome === 'failed') m.failures.inc({ entity: r.entity, reason: r.reason });
  if (r.outcome === 'quarantined') m.failures.inc({ entity: r.entity, reason: 'QUARANTINED' });
}
