import { counter, gauge } from '../observe/metrics.js';
import type { VerifyReport } from './types.js';

/** Verify results as metrics: rows compared and found different per pass, and the last verdict per table. */
export function recordVerifyMetrics(report: VerifyReport): void {
  const rows = counter<'table' | 'outcome'>({ name: 'siphon_verify_rows_total', help: 'Rows verified by outcome (matched, missing, extra, mismatched), by legacy table', labelNames: ['table', 'outcome'] });
  const verdict = gauge<'table'>({ name: 'siphon_verify_match', help: 'Last verify verdict per legacy table: 1 match, 0 differences, -1 inconclusive', labelNames: ['table'] });
  for (const t of report.tables) {
    for (const outcome of ['matched', 'missing', 'extra', 'mismatched'] as const) rows.inc({ table: t.table, outcome }, t.counts[outcome]);
    verdict.set({ table: t.table }, t.verdict === 'match' ? 1 : t.verdict === 'differences' ? 0 : -1);
  }
}
