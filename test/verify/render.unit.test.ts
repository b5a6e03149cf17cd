import { describe, expect, it } from 'vitest';
import { inconclusiveTable } from '../../src/verify/named-table.js';
import { renderVerifyReport } from '../../src/verify/render.js';
import type { TableVerifyReport, VerifyReport } from '../../src/verify/types.js';

const table = (over: Partial<TableVerifyReport>): TableVerifyReport => ({ ...inconclusiveTable('invlines', 'x'), notes: [], verdict: 'match', invariantHolds: true, compatibility: 1, ...over });

describe('siphon verify, the human report', () => {
  it('says when a table was verified in key ranges, and what a range left inconclusive', () => {
    const report: VerifyReport = {
      verdict: 'inconclusive', exitCode: 3, startedAt: '', finishedAt: '',
      tables: [
        table({ table: 'invoices', ranges: 5 }),
        table({ table: 'invlines', ranges: 8, verdict: 'inconclusive', invariantHolds: null, notes: ['keys after {"inv":"6","no":"10"} up to {"inv":"7","no":"10"}: read failed: connection lost'] }),
        table({ table: 'customers' }),
      ],
    };
    const text = renderVerifyReport(report);
    expect(text).toContain('  invoices: verified in 5 key ranges side by side');
    expect(text).toContain('  invlines: verified in 8 key ranges side by side');
    expect(text).toContain('  invlines: keys after {"inv":"6","no":"10"} up to {"inv":"7","no":"10"}: read failed: connection lost');
    expect(text).not.toContain('customers: verified in');
    expect(text).toContain('Result: INCONCLUSIVE (not a pass) (exit 3)');
  });
});
