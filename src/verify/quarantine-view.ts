import type { StateStore } from '../state/types.js';
import type { QuarantineView } from './verify-table.js';

/**
 * The open quarantine items of one legacy table, by key text. Loaded whole (quarantine is the exception, not the
 * bulk) and reloaded before each re-check, since apply keeps quarantining while verify runs.
 */
export function storeQuarantineView(state: StateStore, table: string): QuarantineView {
  let keys = new Set<string>();
  return {
    has: (k) => keys.has(k),
    keys: () => [...keys],
    async refresh() {
      const next = new Set<string>();
      let afterId: number | undefined;
      for (;;) {
        const page = await state.listQuarantine({ sourceTable: table, state: 'open', limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
        for (const q of page.items) next.add(q.key);
        if (page.next === null) break;
        afterId = page.next;
      }
      keys = next;
    },
  };
}
