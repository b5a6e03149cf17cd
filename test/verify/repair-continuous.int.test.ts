import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContinuous } from '../../src/verify/continuous.js';
import { repairAndReverify } from '../../src/verify/repair.js';
import { runVerify, type VerifyRunOptions } from '../../src/verify/run-verify.js';
import { applyBarrier } from '../../src/verify/settle.js';
import type { VerifyReport } from '../../src/verify/types.js';
import { openVerifyResults } from '../../src/state/verify/open.js';
import type { VerifyResultStore } from '../../src/state/verify/types.js';
import { billingMigration, type BillingMigration } from './billing-setup.js';

/**
 * On the billing system migrated by Siphon's real data path (a running migration: capture, apply, backfill, the
 * re-apply queue): rows deleted and altered in next behind Siphon's back are found, `--repair` restores them through
 * the backfill and the re-verify passes; continuous mode reports a row deleted in next within one pass.
 */
let m: BillingMigration;
let results: VerifyResultStore;
let base: VerifyRunOptions;

beforeAll(async () => {
  m = await billingMigration(40, 11);
  await m.copied;
  results = await openVerifyResults(m.config.state);
  base = { config: m.config, legacy: m.legacy, next: m.next, state: m.state, results, settler: applyBarrier(m.log, m.applier, { consumer: 'apply' }) };
}, 180_000);

afterAll(async () => {
  await results?.close();
  await m?.drop();
}, 60_000);

const plain = async (sql: string) => m.next.query(sql);

describe('verify --repair', () => {
  it('restores rows deleted and altered in next behind Siphon\'s back, then the re-verify passes', async () => {
    const [inv] = await plain('SELECT number, amount_incl_tax FROM invoices ORDER BY number LIMIT 1 OFFSET 5');
    const [cus] = await plain('SELECT id, city FROM customers ORDER BY id LIMIT 1 OFFSET 3');
    const invoice = (inv!.number as { v: string }).v, customer = (cus!.id as { v: string }).v;
    await m.next.execute(`DELETE FROM invoices WHERE number = ${invoice}; UPDATE customers SET city = 'Nowhere' WHERE id = ${customer}`);

    const first = await runVerify(base);
    expect(first.exitCode).toBe(1);
    const diffs = first.tables.flatMap((t) => t.differences).map((d) => [d.kind, d.nextTable, Object.values(d.key)[0]]);
    expect(diffs.sort()).toEqual([['mismatched', 'customers', customer], ['missing', 'invoices', invoice]].sort());

    const repaired: VerifyReport = await repairAndReverify(base, first, { timeoutMs: 90_000 });
    expect(repaired.repair).toEqual({ requeued: { FACTURE: 1, CLIENT: 1 } });
    expect(repaired.exitCode).toBe(0);
    // judged by plain SQL too: the rows are back as legacy has them
    expect(await plain(`SELECT count(*)::int AS n FROM invoices WHERE number = ${invoice}`)).toEqual([{ n: { t: 'int', v: '1' } }]);
    expect(await plain(`SELECT city FROM customers WHERE id = ${customer}`)).toEqual([{ city: cus!.city }]);
  }, 180_000);
});

describe('verify --continuous', () => {
  it('reports a row deleted straight in next within one pass, and keeps the running figure in the state store', async () => {
    const [row] = await plain('SELECT reference FROM payments ORDER BY reference LIMIT 1 OFFSET 2');
    const ref = row!.reference as string;
    const passes: VerifyReport[] = [];
    const report = await runContinuous({
      ...base, log: m.log, passes: 2, intervalMs: 10,
      onPass: async (pass, r) => {
        passes.push(r);
        // behind Siphon's back: no legacy change, nothing in the log; only the next pass can see it
        if (pass === 1) await m.next.execute(`DELETE FROM payments WHERE reference = '${ref}'`);
      },
    });
    expect(passes).toHaveLength(2);
    expect(passes[0]!.exitCode).toBe(0);
    expect(passes[1]).toBe(report);
    expect(report.exitCode).toBe(1);
    const reg = report.tables.find((t) => t.table === 'REGLEMENT')!;
    expect(reg.differences).toMatchObject([{ kind: 'missing', nextTable: 'payments', key: { reference: ref } }]);
    const stored = (await results.tableResults()).find((t) => t.table === 'REGLEMENT')!;
    expect(stored).toMatchObject({ runId: report.runId, missing: 1, verdict: 'differences' });
    expect(stored.compatibility).toBeLessThan(1);
  }, 180_000);
});

describe('verify --entity --key', () => {
  it('compares the rows of one entity in every table by key, and finds one of its rows altered in next', async () => {
    const [inv] = await plain('SELECT number, customer_id FROM invoices ORDER BY number DESC LIMIT 1 OFFSET 3');
    const customer = (inv!.customer_id as { v: string }).v, invoice = (inv!.number as { v: string }).v;
    const ok = await runVerify({ ...base, entity: 'customer', key: customer });
    expect(ok.tables.filter((t) => t.verdict !== 'match').map((t) => [t.table, t.notes, t.differences])).toEqual([]);
    expect(ok.exitCode).toBe(0);
    expect(ok.tables.find((t) => t.table === 'CLIENT')!.counts.matched).toBe(1);
    expect(ok.tables.find((t) => t.table === 'FACTURE')!.counts.matched).toBeGreaterThan(0);
    await m.next.execute(`UPDATE invoices SET status = 'cancelled' WHERE number = ${invoice}`);
    const bad = await runVerify({ ...base, entity: 'customer', key: customer });
    expect(bad.exitCode).toBe(1);
    expect(bad.tables.flatMap((t) => t.differences)).toMatchObject([{ kind: 'mismatched', nextTable: 'invoices', key: { number: invoice }, columns: [{ column: 'status', actual: 'cancelled' }] }]);
  }, 120_000);
});
