import type { LedgerEntry, LedgerPageQuery, StateStore } from './types.js';

/**
 * Every ledger entry of an entity in key order, one page in memory at a time (memory stays bounded however many
 * millions of entities there are). Entries changed during the iteration may be seen with their old or new state.
 */
export async function* ledgerEntries(store: StateStore, query: Omit<LedgerPageQuery, 'after'>): AsyncGenerator<LedgerEntry> {
  let after: string | undefined;
  for (;;) {
    const page = await store.listLedger({ ...query, after });
    yield* page.items;
    if (page.next === null) return;
    after = page.next;
  }
}
