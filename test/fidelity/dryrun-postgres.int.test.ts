import { describe, expect, it } from 'vitest';
import { dryRunVersusWrite } from './dryrun-harness.js';

// The dry run's verdict equals what a real write into PostgreSQL does, for every value of every engine's fixture:
// clean values come back equal, refused values are refused by the write path too and would be refused or changed
// by PostgreSQL itself.
describe('dry run versus a real write into PostgreSQL', () => {
  for (const legacy of ['mysql', 'postgres', 'sqlite'] as const) {
    it(`every ${legacy} fixture value ends written unchanged or refused with its reason`, async () => {
      const { mismatches, verdicts } = await dryRunVersusWrite(legacy, 'postgres');
      expect(mismatches).toEqual([]);
      expect(verdicts.some((v) => v.clean)).toBe(true);
      expect(verdicts.filter((v) => !v.clean).every((v) => (v.reason ?? '').length > 0)).toBe(true);
    }, 180_000);
  }
});
