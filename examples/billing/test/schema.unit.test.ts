import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sqlFiles } from '../write-sql.js';
import { LEGACY_TABLES } from '../legacy/schema.js';

describe('billing schema files', () => {
  it('match the TS descriptions (regenerate with: npx tsx examples/billing/write-sql.ts)', () => {
    for (const [path, text] of Object.entries(sqlFiles())) expect(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'), path).toBe(text);
  });

  it('has the legacy shapes the migration must cope with', () => {
    const t = Object.fromEntries(LEGACY_TABLES.map((x) => [x.name, x]));
    expect(t.LIGNE_FACT!.primaryKey).toEqual(['FAC_NUM', 'LIG_NO']);
    expect(t.REGLEMENT!.primaryKey).toEqual([]);
    expect(t.REGLEMENT!.uniqueKeys).toEqual([['REG_REF']]);
    expect(t.FACTURE!.columns.find((c) => c.name === 'FAC_MT_TTC')!.mysql).toMatch(/VARCHAR/);
    expect(LEGACY_TABLES.every((x) => x.charset === 'latin1')).toBe(true);
  });
});
