import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '../../../test/support/engines.js';
import type { FreshDatabase } from '../../../test/support/engines.js';
import { openDatabase } from '../../../src/backends/open.js';
import { generateLegacy } from '../generate/generate-legacy.js';
import { generateCustomer, initialSequences } from '../generate/customer.js';
import type { GeneratedRow } from '../generate/customer.js';
import type { DefectKind } from '../generate/defects.js';
import { nextDdl } from '../next/schema.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const N = 300, SEED = 3, DIRTY = 0.05, SAMPLE = 1000;

/** The reason `siphon check` gives for each rejected defect (cleaned defects must map cleanly). */
const REASONS: Partial<Record<string, string>> = {
  'CLIENT:unknown-status': 'clean codeMap(CLI_STATUT): unknown-code 5',
  'CLIENT:bad-email': 'schema customers.email: invalid_format (Invalid email address)',
  'CONTRAT:unknown-status': 'clean codeMap(CTR_STATUT): unknown-code Z',
  'FACTURE:unknown-status': 'clean codeMap(FAC_STATUT): unknown-code 6',
};

let legacy: FreshDatabase, next: FreshDatabase;
beforeAll(async () => {
  legacy = await freshDatabase('mysql', 'billing_chk');
  next = await freshDatabase('postgres', 'billing_chk');
  await generateLegacy({ legacy: legacy.url, customers: N, seed: SEED, dirty: DIRTY, progress: false });
  const db = await openDatabase(next.url);
  try { for (const s of nextDdl('postgres')) await db.execute(s); } finally { await db.close(); }
});
afterAll(async () => { await legacy?.drop(); await next?.drop(); });

interface SampleJson { tables: { table: string; read: number; clean: number; failures: { reason: string; count: number }[] }[] }

describe('siphon check on the billing config (MariaDB → PostgreSQL)', () => {
  it('reports the dirty rows by reason and every other row as mapping cleanly', async () => {
    // the planted dirty rows would not migrate: accept them all here (without it check exits 1, as a CI gate)
    const { stdout } = await run('node', ['bin/siphon.js', 'check', '-c', 'examples/billing/siphon.config.ts', '--sample', String(SAMPLE), '--max-rejected', '100%', '--json'], {
      cwd: ROOT, env: { ...process.env, BILLING_LEGACY_URL: legacy.url, BILLING_NEXT_URL: next.url }, maxBuffer: 16 << 20,
    });
    const report = JSON.parse(stdout) as { ok: boolean; sample: SampleJson };
    expect(report.ok).toBe(true);

    // what the sample must find: the first SAMPLE rows of each table in key order (= generation order here)
    const seq = initialSequences();
    const generated: GeneratedRow[] = [];
    for (let id = 1; id <= N; id++) generated.push(...generateCustomer(SEED, id, DIRTY, seq));
    let cleanedDefects = 0;
    for (const t of report.sample.tables) {
      const rows = generated.filter((g) => g.table === t.table && g.defect !== 'deleted').slice(0, SAMPLE);
      const expected: Record<string, number> = {};
      for (const g of rows) {
        const reason = REASONS[`${g.table}:${g.defect as DefectKind}`];
        if (reason) expected[reason] = (expected[reason] ?? 0) + 1;
        else if (g.defect && g.defect !== 'orphan') cleanedDefects++;
      }
      expect(t.read, t.table).toBe(rows.length);
      expect(Object.fromEntries(t.failures.map((x) => [x.reason, x.count])), t.table).toEqual(expected);
      expect(t.clean, t.table).toBe(rows.length - Object.values(expected).reduce((a, b) => a + b, 0));
    }
    // the sample held dirty rows that cleaning repairs (padding, mojibake, zero dates, amounts as text)
    expect(cleanedDefects).toBeGreaterThan(10);
    expect(Object.keys(REASONS).every((k) => JSON.stringify(report.sample).includes(REASONS[k]!))).toBe(true);
  });
});
