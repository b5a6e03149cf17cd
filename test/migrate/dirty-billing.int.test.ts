import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/backends/open.js';
import type { Database, Dialect } from '../../src/backends/types.js';
import { toPlain, type Value } from '../../src/values/index.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { generateCustomer, initialSequences } from '../../examples/billing/generate/customer.js';
import { nextDdl } from '../../examples/billing/next/schema.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { runCli } from '../cli/run-cli.js';

/**
 * The dirty billing data through `siphon migrate --until-done`, then `siphon status`: every planted row the mapping
 * must reject is in quarantine with its reason, every other legacy row is in next, and status prints
 * `legacy = migrated + quarantined` for every table. Judged by plain SQL on the three stores, not by Siphon's figures.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CUSTOMERS = 120, SEED = 7, DIRTY = 0.08;

/** legacy table → next table and the key columns on both sides (the billing mapping is one next row per legacy row). */
const TABLES = {
  CLIENT: { next: 'customers', legacyKey: ['CLI_ID'], nextKey: ['id'] },
  CONTRAT: { next: 'contracts', legacyKey: ['CTR_NUM'], nextKey: ['number'] },
  FACTURE: { next: 'invoices', legacyKey: ['FAC_NUM'], nextKey: ['number'] },
  LIGNE_FACT: { next: 'invoice_lines', legacyKey: ['FAC_NUM', 'LIG_NO'], nextKey: ['invoice_number', 'line_number'] },
  REGLEMENT: { next: 'payments', legacyKey: ['REG_REF'], nextKey: ['reference'] },
} as const;
type Table = keyof typeof TABLES;

/** The reason apply must give for each defect the mapping rejects (codeMap fails in cleaning; the e-mail in the schema). */
const REJECTED: Record<string, string> = { 'unknown-status': 'clean', 'bad-email': 'schema' };

/** The quarantine's key text, written here independently: ints as `int:N`, texts JSON-quoted, joined by `|`. */
const keyText = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : `int:${String(v)}`)).join('|');
const plain = (v: Value | undefined) => toPlain(v ?? null);

async function keys(db: Database, table: string, cols: readonly string[]): Promise<Set<string>> {
  const rows = await db.query(`SELECT ${cols.map((c) => db.quoteIdent(c)).join(', ')} FROM ${db.quoteIdent(table)}`);
  return new Set(rows.map((r) => keyText(cols.map((c) => plain(r[c])))));
}

/** The rows the generator planted a rejected defect in, replayed from its seed (as the demo finds its samples). */
function plantedRejected(): { table: Table; key: string; reason: string }[] {
  const seq = initialSequences();
  const out: { table: Table; key: string; reason: string }[] = [];
  for (let id = 1; id <= CUSTOMERS; id++) {
    for (const g of generateCustomer(SEED, id, DIRTY, seq)) {
      const reason = g.defect ? REJECTED[g.defect] : undefined;
      if (!reason) continue;
      const t = g.table as Table;
      out.push({ table: t, key: keyText(TABLES[t].legacyKey.map((c) => g.row[c])), reason });
    }
  }
  return out;
}

const dropLater: FreshDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dropLater) await d.drop().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each([['mysql', 'postgres'], ['sqlite', 'sqlite']] as [Dialect, Dialect][])('dirty billing %s → %s', (legacyDialect, nextDialect) => {
  it('quarantines every planted bad row with its reason, migrates every other row, and status checks legacy = migrated + quarantined', async () => {
    const legacy = await freshDatabase(legacyDialect, 'siphon_dirty_l');
    const next = await freshDatabase(nextDialect, 'siphon_dirty_n');
    dropLater.push(legacy, next);
    const dir = mkdtempSync(join(tmpdir(), 'siphon-dirty-'));
    dirs.push(dir);
    await generateLegacy({ legacy: legacy.url, customers: CUSTOMERS, seed: SEED, dirty: DIRTY, reset: true, progress: false });
    const nextDb = await openDatabase(next.url);
    try { for (const s of nextDdl(nextDialect as 'postgres' | 'sqlite', { reset: true })) await nextDb.execute(s); } finally { await nextDb.close(); }
    const config = join(dir, 'siphon.config.ts');
    writeFileSync(config, `import { defineMigration } from '${ROOT}src/config/define.js';
import { billingEntities, billingTables } from '${ROOT}examples/billing/mapping/tables.js';
export default defineMigration({
  name: 'dirty-${legacyDialect}-${nextDialect}',
  legacy: { db: '${legacy.url}', timezone: 'Europe/Paris' }, next: { db: '${next.url}' },
  state: 'sqlite:${join(dir, 'state.sqlite')}', log: 'sqlite:${join(dir, 'log.sqlite')}',
  entities: billingEntities, tables: billingTables(),
});
`);
    // before any migrate: status creates nothing and says so
    const early = await runCli(['status', '-c', config]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/has not run/);

    const migrated = await runCli(['migrate', '-c', config, '--until-done', '--json', '--chunk-size', '700']);
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    const last = JSON.parse(migrated.stdout.trim().split('\n').at(-1)!) as { event: string; stoppedBy: string };
    expect(last).toMatchObject({ event: 'stopped', stoppedBy: 'done' });

    const status = await runCli(['status', '-c', config]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    for (const t of Object.keys(TABLES)) expect(status.stdout).toMatch(new RegExp(`✔ ${t}: legacy \\d+ = migrated \\d+ \\+ quarantined \\d+`));
    const json = await runCli(['status', '-c', config, '--json']);
    expect((JSON.parse(json.stdout) as { ok: boolean }).ok).toBe(true);

    // plain SQL on legacy, next and the state store
    const [l, n, s] = [await openDatabase(legacy.url), await openDatabase(next.url), await openDatabase(`sqlite:${join(dir, 'state.sqlite')}`)];
    try {
      const q = await s.query(`SELECT source_table, key, reason_code FROM quarantine WHERE state = 'open'`);
      const quarantined = new Map<string, Set<string>>();
      for (const r of q) {
        const k = `${String(plain(r['source_table']))}\u0000${String(plain(r['key']))}`;
        let set = quarantined.get(k);
        if (!set) quarantined.set(k, (set = new Set()));
        set.add(String(plain(r['reason_code'])));
      }
      const planted = plantedRejected();
      expect(planted.length).toBeGreaterThan(3);
      for (const p of planted) expect(quarantined.get(`${p.table}\u0000${p.key}`), `${p.table} ${p.key}`).toContain(p.reason);
      for (const [t, m] of Object.entries(TABLES)) {
        const inLegacy = await keys(l, t, m.legacyKey);
        const inNext = await keys(n, m.next, m.nextKey);
        const inQuarantine = new Set([...quarantined.keys()].filter((k) => k.startsWith(`${t}\u0000`)).map((k) => k.slice(t.length + 1)));
        // every clean legacy row is in next, nothing else is, and nothing is both migrated and quarantined
        expect([...inLegacy].filter((k) => !inQuarantine.has(k) && !inNext.has(k)), `${t}: clean rows missing from next`).toEqual([]);
        expect([...inNext].filter((k) => !inLegacy.has(k)), `${t}: next rows without a legacy row`).toEqual([]);
        expect([...inQuarantine].filter((k) => inNext.has(k) || !inLegacy.has(k)), `${t}: quarantined keys in next or not in legacy`).toEqual([]);
        expect(inLegacy.size).toBe(inNext.size + inQuarantine.size);
      }
    } finally { await l.close(); await n.close(); await s.close(); }
  }, 180_000);
});
