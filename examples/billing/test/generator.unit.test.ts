import { describe, expect, expect as vexpect, it } from 'vitest';
import fc from 'fast-check';
import { generateCustomer, initialSequences } from '../generate/customer.js';
import type { GeneratedRow } from '../generate/customer.js';
import { DEFECTS_BY_TABLE } from '../generate/defects.js';
import { toMojibake } from '../generate/mojibake.js';
import { Prng } from '../generate/prng.js';
import { repairMojibake } from '../../../src/config/cleaning/index.js';

function run(seed: string | number, customers: number, dirty: number): GeneratedRow[] {
  const seq = initialSequences();
  const out: GeneratedRow[] = [];
  for (let id = 1; id <= customers; id++) out.push(...generateCustomer(seed, id, dirty, seq));
  return out;
}

const cents = (s: unknown) => Math.round(Number(s) * 100);

describe('billing generator', () => {
  it('gives the same rows for the same seed, other rows for another seed', () => {
    expect(run(7, 40, 0.05)).toEqual(run(7, 40, 0.05));
    expect(run(7, 40, 0.05)).not.toEqual(run(8, 40, 0.05));
  });

  it('makes the first N customers of a bigger run identical to a run of N customers', () => {
    const small = run(3, 25, 0.1);
    const big = run(3, 60, 0.1);
    expect(big.slice(0, small.length)).toEqual(small);
  });

  it('keeps the clean content whatever the ratio, and a higher ratio dirties a superset of rows', () => {
    const clean = run(5, 80, 0);
    const low = run(5, 80, 0.05);
    const high = run(5, 80, 0.3);
    expect(clean.every((g) => g.defect === undefined)).toBe(true);
    expect(low.length).toBe(clean.length);
    expect(high.length).toBe(clean.length);
    const lowDirty = low.flatMap((g, i) => (g.defect ? [i] : []));
    for (const i of lowDirty) expect(high[i]!.defect).toBeDefined();
    // rows left clean by the defect draw are identical to the clean run
    for (let i = 0; i < clean.length; i++) if (!high[i]!.defect) expect(high[i]!.row).toEqual(clean[i]!.row);
  });

  it('plants each defect kind of each table, near the requested share', () => {
    const rows = run(11, 400, 0.1);
    const direct = rows.filter((g) => g.defect && g.defect !== 'orphan');
    const share = direct.length / rows.length;
    expect(share).toBeGreaterThan(0.06);
    expect(share).toBeLessThan(0.14);
    for (const [table, kinds] of Object.entries(DEFECTS_BY_TABLE)) {
      for (const k of kinds) expect(rows.some((g) => g.table === table && g.defect === k), `${table} ${k}`).toBe(true);
    }
    expect(rows.some((g) => g.defect === 'orphan' && g.table === 'LIGNE_FACT')).toBe(true);
  });

  it('makes each defect visible in the row it tags', () => {
    const bad: string[] = [];
    const expect = (v: unknown, label = '') => ({
      toBe: (w: unknown) => { if (v !== w) bad.push(`${label} ${JSON.stringify(v)} !== ${JSON.stringify(w)}`); },
      toMatch: (re: RegExp) => { if (!re.test(String(v))) bad.push(`${JSON.stringify(v)} !~ ${re}`); },
      not: { toMatch: (re: RegExp) => { if (re.test(String(v))) bad.push(`${JSON.stringify(v)} =~ ${re}`); } },
    });
    for (const g of run(13, 300, 0.2)) {
      const r = g.row;
      switch (`${g.table}:${g.defect ?? 'clean'}`) {
        case 'CLIENT:padding': expect(String(r.CLI_NOM).startsWith(' ') || String(r.CLI_VILLE).endsWith(' ')).toBe(true); break;
        case 'CLIENT:mojibake': expect([r.CLI_PRENOM, r.CLI_ADR1, r.CLI_VILLE].some((v) => typeof v === 'string' && /Ã|Â/.test(v))).toBe(true); break;
        case 'CLIENT:zero-date': expect(r.CLI_DT_MAJ).toBe('0000-00-00 00:00:00'); break;
        case 'CLIENT:unknown-status': expect(r.CLI_STATUT).toBe(5); break;
        case 'CLIENT:bad-email': expect(String(r.CLI_EMAIL)).not.toMatch(/^[^\s@]+@[^\s@]+\.[a-z]+$/); break;
        case 'CONTRAT:zero-date': expect(r.CTR_DT_FIN).toBe('0000-00-00'); break;
        case 'CONTRAT:unknown-status': expect(r.CTR_STATUT).toBe('Z'); break;
        case 'FACTURE:amount-text': expect(String(r.FAC_MT_TTC)).toMatch(/,\d\d$/); break;
        case 'FACTURE:zero-date': expect(r.FAC_DT_ECH).toBe('0000-00-00'); break;
        case 'FACTURE:unknown-status': expect(r.FAC_STATUT).toBe(6); break;
        case 'LIGNE_FACT:mojibake': expect(String(r.LIG_LIB)).toMatch(/Ã/); break;
        default:
          if (!g.defect) {
            for (const v of Object.values(r)) if (typeof v === 'string') { expect(v).toBe(v.trim()); expect(v).not.toMatch(/Ã/); expect(v.startsWith('0000')).toBe(false); }
          }
      }
    }
    vexpect(bad).toEqual([]);
  });

  it('keeps invoices consistent: lines sum to the amount excl. tax, incl. tax is rounded half up at 20 %', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 5000 }), (seed, id) => {
      const rows = generateCustomer(seed, id, 0, initialSequences());
      const lines = new Map<number, number>();
      for (const g of rows) if (g.table === 'LIGNE_FACT') lines.set(g.row.FAC_NUM as number, (lines.get(g.row.FAC_NUM as number) ?? 0) + cents(g.row.LIG_MT));
      for (const g of rows.filter((x) => x.table === 'FACTURE')) {
        const ht = cents(g.row.FAC_MT_HT);
        expect(lines.get(g.row.FAC_NUM as number)).toBe(ht);
        const nLines = rows.filter((x) => x.table === 'LIGNE_FACT' && x.row.FAC_NUM === g.row.FAC_NUM).length;
        expect(nLines).toBeGreaterThanOrEqual(1);
        expect(nLines).toBeLessThanOrEqual(5);
        expect(cents(g.row.FAC_MT_TTC)).toBe(Math.sign(ht) * Math.floor((Math.abs(ht) * 120 + 50) / 100));
      }
      expect(rows.filter((x) => x.table === 'CONTRAT').length).toBeLessThanOrEqual(3);
    }), { numRuns: 150 });
  });

  it('produces mojibake that the repairEncoding cleaning step undoes', () => {
    for (const s of ['Hélène', 'Besançon', 'Saint-Étienne', 'Option sécurité', 'Nîmes', 'Loïc', 'Benoît']) {
      const m = toMojibake(s);
      expect(m).not.toBe(s);
      expect(repairMojibake(m)).toBe(s);
    }
  });

  it('draws from a seeded PRNG: same sequence for a seed, uniform enough', () => {
    const a = new Prng('x'), b = new Prng('x');
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
