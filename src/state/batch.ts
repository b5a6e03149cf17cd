/** Batch preparation shared by the adapters. */
import { compareVersions } from './version-order.js';
import type { DiffDelta, JsonValue, LedgerUpsert, Route } from './types.js';

/**
 * One entry per entity+key, the one with the highest version (the first on a tie): a batch may carry several changes
 * of the same entity, and PostgreSQL cannot upsert one row twice in a statement. Returns how many were dropped.
 */
export function newestPerKey(entries: readonly LedgerUpsert[]): { entries: LedgerUpsert[]; dropped: number } {
  const best = new Map<string, LedgerUpsert>();
  for (const e of entries) {
    const id = `${e.entity}\u0000${e.key}`;
    const cur = best.get(id);
    if (cur === undefined || compareVersions(e.version, cur.version) > 0) best.set(id, e);
  }
  return { entries: [...best.values()], dropped: entries.length - best.size };
}

/** Adds up deltas of the same endpoint+field+kind (samples in arrival order), so each row is written once. */
export function mergeDiffDeltas(deltas: readonly DiffDelta[]): DiffDelta[] {
  const out = new Map<string, { endpoint: string; fieldPath: string; kind: string; count: number; samples: JsonValue[] }>();
  for (const d of deltas) {
    const id = `${d.endpoint}\u0000${d.fieldPath}\u0000${d.kind}`;
    const cur = out.get(id) ?? { endpoint: d.endpoint, fieldPath: d.fieldPath, kind: d.kind, count: 0, samples: [] };
    cur.count += d.count;
    cur.samples.push(...(d.samples ?? []));
    out.set(id, cur);
  }
  return [...out.values()];
}

/** The JSON kept in the audit trail for a route (what an operator needs to see what changed). */
export function routeSnapshot(r: Route): JsonValue {
  return { id: r.id, position: r.position, match: r.match as unknown as JsonValue, mode: r.mode, canaryPercent: r.canaryPercent, options: r.options };
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Audit subject for a batch of quarantine items: the ids while short, else the range (all ids are in `after`). */
export function quarantineSubject(ids: readonly number[]): string {
  const all = `quarantine:${ids.join(',')}`;
  return all.length <= 200 ? all : `quarantine:${ids[0]}..${ids[ids.length - 1]} (${ids.length} items)`;
}
