import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { toPlain, type Value } from '../../src/values/index.js';
import type { RowChange } from '../../src/log/change.js';
import { createApplier } from '../../src/apply/index.js';
import type { ApplyItem } from '../../src/apply/types.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { generateCustomer, initialSequences } from '../../examples/billing/generate/customer.js';
import { DEFECT_OUTCOME } from '../../examples/billing/generate/defects.js';
import { billingEntities, billingTables } from '../../examples/billing/mapping/tables.js';
import { nextDdl, type NextDialect } from '../../examples/billing/next/schema.js';

// The dirty billing data through apply (SQLite legacy read as `read` changes, children first so that foreign keys
// make them wait for their parents): every planted bad row is quarantined with its reason, every row is either in
// next or in quarantine (legacy = migrated + quarantined, per table), judged by plain SQL counts.
const CUSTOMERS = 100, SEED = 7, DIRTY = 0.08;
const EXPECTED_REASON: Record<string, string> = { 'unknown-status': 'clean', 'bad-email': 'schema', orphan: 'missing-parent' };
const NEXT_OF: Record<string, string> = { CLIENT: 'customers', CONTRAT: 'contracts', FACTURE: 'invoices', LIGNE_FACT: 'invoice_lines', REGLEMENT: 'payments' };

describe.each(['sqlite', 'postgres'] as Dialect[])('dirty billing data applied into next on %s', (dialect) => {
  let legacyDb: FreshDatabase, nextDb: FreshDatabase, stateDb: FreshDatabase;
  let legacy: Database, next: Database, state: StateStore;
  beforeAll(async () => {
    legacyDb = await freshDatabase('sqlite', 'billing_legacy');
    nextDb = await freshDatabase(dialect, 'billing_next');
    stateDb = await freshDatabase('sqlite', 'state');
    await generateLegacy({ legacy: legacyDb.url, customers: CUSTOMERS, seed: SEED, dirty: DIRTY, progress: false });
    legacy = await openDatabase(legacyDb.url);
    next = await openDatabase(nextDb.url);
    for (const s of nextDdl(dialect as NextDialect, { foreignKeys: true })) await next.execute(s);
    state = await openStateStore(stateDb.url);
  }, 120_000);
  afterAll(async () => { await legacy?.close(); await next?.close(); await state?.close(); for (const d of [legacyDb, nextDb, stateDb]) await d?.drop(); });

  it('quarantines every planted bad row with its reason; legacy = migrated + quarantined for every table', async () => {
    const config = resolveConfig({ name: 'billing', legacy: { db: legacyDb.url }, next: { db: nextDb.url }, entities: billingEntities, tables: billingTables() });
    const applier = await createApplier({ config, next, state });
    let position = 0;
    // children first: every child waits for its parent, then is re-driven by apply itself
    for (const table of ['REGLEMENT', 'LIGNE_FACT', 'FACTURE', 'CONTRAT', 'CLIENT']) {
      const key = config.tables[table]!.key;
      for await (const page of legacy.streamRows({ table, key, batchSize: 400 })) {
        const items: ApplyItem[] = page.map((row) => {
          const change: RowChange = { kind: 'change', source: 'legacy', table, key: Object.fromEntries(key.map((k) => [k, row[k] ?? null])), op: 'read', before: null, after: row, position: String(++position).padStart(20, '0'), txid: null, at: '2026-01-01T00:00:00.000000Z' };
          return { change, origin: 'backfill' };
        });
        await applier.apply(items);
      }
    }
    const open = [];
    for (let after: number | undefined; ;) {
      const page = await state.listQuarantine({ state: 'open', limit: 1000, ...(after !== undefined ? { afterId: after } : {}) });
      open.push(...page.items);
      if (page.next === null) break;
      after = page.next;
    }
    const plainKey = (k: Record<string, Value>) => Object.values(k).map((v) => String(toPlain(v))).join('|');
    const quarantined = new Map(open.map((q) => [`${q.sourceTable} ${plainKey((q.payload as { change: { key: Record<string, Value> } }).change.key)}`, q.reasonCode]));

    // every planted defect whose outcome is "rejected" is in quarantine with the expected reason
    const seq = initialSequences();
    let planted = 0;
    for (let i = 1; i <= CUSTOMERS; i++) {
      for (const g of generateCustomer(SEED, i, DIRTY, seq)) {
        if (!g.defect || DEFECT_OUTCOME[g.defect] !== 'rejected') continue;
        const key = config.tables[g.table]!.key.map((k) => String(g.row[k])).join('|');
        planted++;
        expect(quarantined.get(`${g.table} ${key}`), `${g.table} ${key} (${g.defect})`).toBe(EXPECTED_REASON[g.defect]);
      }
    }
    expect(planted).toBeGreaterThan(5);

    // legacy = migrated + quarantined, per table, by plain SQL counts on both sides
    for (const [table, nextTable] of Object.entries(NEXT_OF)) {
      const count = async (db: Database, t: string) => Number((toPlain((await db.query(`SELECT count(*) AS n FROM ${db.quoteIdent(t)}`))[0]!.n!)));
      const inLegacy = await count(legacy, table);
      const inNext = await count(next, nextTable);
      const inQuarantine = open.filter((q) => q.sourceTable === table).length;
      expect({ table, total: inNext + inQuarantine }).toEqual({ table, total: inLegacy });
    }
    // a child waits only for a parent that is not there: no open missing-parent item has its parent in next
    const waiting = open.filter((q) => q.reasonCode === 'missing-parent');
    expect(waiting.length).toBeGreaterThan(0);
    for (const q of waiting) expect(q.message).toMatch(/waits for its parent: (customers|invoices|contracts) /);
  }, 240_000);
});
