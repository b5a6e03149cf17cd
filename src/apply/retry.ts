/**
 * Re-drive quarantined changes through the same applier (origin `retry`), after a fix of a mapping or of the legacy
 * data. Safe thanks to versions: a retried old change never replaces a newer applied one (it is `stale` then, and its
 * quarantine item is resolved: next already holds newer data for that row).
 */
import type { QuarantineItem, QuarantineQuery, StateStore } from '../state/types.js';
import { validateRecord } from '../log/codec.js';
import type { RowChange } from '../log/change.js';
import type { SiphonApplier } from './applier.js';
import type { ApplyItem } from './types.js';

export interface RetryFilter {
  readonly sourceTable?: string;
  readonly reasonCode?: string;
  /** Only these item ids. */
  readonly ids?: readonly number[];
  /** Who re-drives, named in the audit entries of the items it resolves (default `siphon quarantine retry`). */
  readonly actor?: string;
  /** Why (the operator's words), put before each audit entry's outcome. */
  readonly reason?: string;
}

export interface RetryReport {
  /** Items re-driven. */
  retried: number;
  /** Applied, or stale (next holds a newer version): resolved. */
  resolved: number;
  /** Quarantined again (same reason: attempts + 1; another reason: the old item is marked redriven). */
  stillQuarantined: number;
  /** Waiting for a parent row (missing-parent). */
  waiting: number;
  /** Items whose payload is not a change apply can read (left open). */
  unreadable: number;
}

/** The change kept in a quarantine item's payload, or null when it holds none. */
export function quarantinedChange(q: QuarantineItem): RowChange | null {
  const change = (q.payload as { change?: unknown } | null)?.change;
  if (change === undefined) return null;
  try {
    const r = validateRecord(change, `quarantine item ${q.id}`);
    return r.kind === 'change' ? r : null;
  } catch { return null; }
}

export async function retryQuarantine(applier: SiphonApplier, state: StateStore, filter: RetryFilter = {},
  onProgress?: (done: number) => void, batchSize = 200): Promise<RetryReport> {
  // the ids first: items quarantined again during the retry keep their id (same reason) or are new (another reason)
  const ids: number[] = [];
  if (filter.ids) ids.push(...filter.ids);
  else {
    let afterId: number | undefined;
    for (;;) {
      const q: QuarantineQuery = { state: 'open', limit: 1000, ...(filter.sourceTable ? { sourceTable: filter.sourceTable } : {}), ...(filter.reasonCode ? { reasonCode: filter.reasonCode } : {}), ...(afterId !== undefined ? { afterId } : {}) };
      const page = await state.listQuarantine(q);
      ids.push(...page.items.map((i) => i.id));
      if (page.next === null) break;
      afterId = page.next;
    }
  }
  const because = (outcome: string) => (filter.reason ? `${filter.reason}: ${outcome}` : outcome);
  const report: RetryReport = { retried: 0, resolved: 0, stillQuarantined: 0, waiting: 0, unreadable: 0 };
  for (let i = 0; i < ids.length; i += batchSize) {
    const qs: QuarantineItem[] = [];
    for (const id of ids.slice(i, i + batchSize)) {
      const q = await state.getQuarantine(id);
      if (q && q.state === 'open') qs.push(q);
    }
    const items: ApplyItem[] = [];
    const owners: QuarantineItem[] = [];
    for (const q of qs) {
      const c = quarantinedChange(q);
      if (!c) { report.unreadable++; continue; }
      items.push({ change: c, origin: 'retry' });
      owners.push(q);
    }
    if (items.length === 0) continue;
    const result = await applier.apply(items);
    const resolved: number[] = [], redriven: number[] = [];
    result.items.forEach((o, j) => {
      const q = owners[j]!;
      report.retried++;
      if (o.outcome === 'applied' || o.outcome === 'stale') { resolved.push(q.id); report.resolved++; return; }
      if (o.outcome === 'waiting') report.waiting++; else report.stillQuarantined++;
      if ((o.reason ?? q.reasonCode) !== q.reasonCode) redriven.push(q.id);
    });
    if (resolved.length > 0) await state.markQuarantine(resolved, 'resolved', { actor: filter.actor ?? 'siphon quarantine retry', reason: because('applied (or next already held a newer version)') });
    if (redriven.length > 0) await state.markQuarantine(redriven, 'redriven', { actor: filter.actor ?? 'siphon quarantine retry', reason: because('quarantined again with another reason') });
    onProgress?.(Math.min(ids.length, i + batchSize));
  }
  return report;
}
