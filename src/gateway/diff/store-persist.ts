import type { DiffDelta, DiffStore, JsonValue } from '../../state/types.js';
import type { DiffReport } from './report.js';

/**
 * Persists a diff aggregate into the state store's diff tables (`recordDiffs`), as deltas: each call sends what grew
 * since the last successful call (counts per endpoint, field path and kind, and samples not sent yet), so several
 * gateway processes can add to the same table. Use as `new DiffSink({ persist: diffStorePersister(store) })`.
 * Whether a field is real or noise is not stored: it depends on the running noise statistics (see the report).
 */
export function diffStorePersister(store: Pick<DiffStore, 'recordDiffs'>, maxSamples = 5): (report: DiffReport) => Promise<void> {
  const sent = new Map<string, { count: number; samples: number }>();
  return async (report) => {
    const deltas: DiffDelta[] = [];
    const next = new Map<string, { count: number; samples: number }>();
    for (const ep of report.endpoints) {
      for (const f of ep.fields) {
        for (const k of f.kinds) {
          const key = JSON.stringify([ep.endpoint, f.path, k.kind]);
          const before = sent.get(key) ?? { count: 0, samples: 0 };
          next.set(key, { count: k.count, samples: k.samples.length });
          const fresh = k.samples.slice(before.samples);
          if (k.count === before.count && fresh.length === 0) continue;
          deltas.push({ endpoint: ep.endpoint, fieldPath: f.path, kind: k.kind, count: Math.max(0, k.count - before.count),
            samples: fresh.map((s) => ({ ...s }) as unknown as JsonValue) });
        }
      }
    }
    if (deltas.length > 0) await store.recordDiffs(deltas, maxSamples);
    for (const [k, v] of next) sent.set(k, v);
  };
}
