import type { QuarantineStore } from '../state/types.js';
import { versionOf } from '../log/version.js';
import type { ApplyItemOutcome } from './applier.js';
import { quarantineEntry } from './batch-tx.js';
import type { Prepared } from './prepare.js';

/**
 * Quarantine items a later change of the same legacy row made obsolete. A change that failed (an unknown status
 * code, say) stays in quarantine; when a NEWER change of that row is applied, next holds the row at a version past
 * the failed one, so the item is resolved as superseded — else the row would count as quarantined forever although
 * next holds it exactly as legacy does (and `legacy = migrated + quarantined` would count it on the wrong side).
 * An older item is never resolved by a change older than itself.
 *
 * The keys with open items are loaded once (quarantine is small next to the tables) and kept as apply quarantines,
 * so a batch costs a state-store query only for the rows that really have an open item.
 */
export class SupersededQuarantine {
  private open: Set<string> | null = null;

  constructor(private readonly store: QuarantineStore) {}

  async afterBatch(prepared: readonly Prepared[], items: readonly ApplyItemOutcome[]): Promise<number> {
    const open = this.open ?? (this.open = await this.load());
    for (const p of prepared) {
      if (items[p.index]?.outcome !== 'quarantined') continue;
      const q = quarantineEntry(p, 'database', []);
      open.add(slot(q.sourceTable, q.key));
    }
    if (open.size === 0) return 0;
    // the newest applied version per legacy row of this batch
    const applied = new Map<string, { table: string; key: string; version: string }>();
    for (const p of prepared) {
      if (p.kind !== 'change' || items[p.index]?.outcome !== 'applied') continue;
      const s = slot(p.item.change.table, p.legacyKey);
      if (!open.has(s)) continue;
      const prev = applied.get(s);
      if (!prev || prev.version < p.version) applied.set(s, { table: p.item.change.table, key: p.legacyKey, version: p.version });
    }
    const ids: number[] = [];
    for (const [s, a] of applied) {
      const page = await this.store.listQuarantine({ sourceTable: a.table, key: a.key, state: 'open', limit: 1000 });
      let left = 0;
      for (const q of page.items) {
        const v = versionOfItem(q.payload);
        if (v !== null && v < a.version) ids.push(q.id); else left++;
      }
      if (left === 0) open.delete(s);
    }
    if (ids.length > 0) await this.store.markQuarantine(ids, 'resolved', { actor: 'apply', reason: 'superseded: a newer change of the same legacy row was applied' });
    return ids.length;
  }

  private async load(): Promise<Set<string>> {
    const out = new Set<string>();
    let afterId: number | undefined;
    for (;;) {
      const page = await this.store.listQuarantine({ state: 'open', limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
      for (const q of page.items) out.add(slot(q.sourceTable, q.key));
      if (page.next === null || page.next === undefined || page.items.length === 0) return out;
      afterId = page.next;
    }
  }
}

const slot = (table: string, key: string) => `${table}\u0000${key}`;

/** The version of the change a quarantine item holds; null when it holds none readable (then it is never resolved here). */
function versionOfItem(payload: unknown): string | null {
  const position = (payload as { change?: { position?: unknown } } | null)?.change?.position;
  if (typeof position !== 'string') return null;
  try { return versionOf(position); } catch { return null; }
}
