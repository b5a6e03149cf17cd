import { formatCount, formatShare, formatTable } from '../cli/output.js';
import type { VerifyReport } from './types.js';

const shown = (v: unknown) => (v === null ? 'NULL' : JSON.stringify(v));

/** The human form of a report: one line per table, then every difference kept in the report, then notes. */
export function renderVerifyReport(r: VerifyReport, maxShown = 50): string {
  const lines: string[] = ['siphon verify'];
  lines.push(formatTable(
    ['TABLE', 'LEGACY', 'EXPECTED', 'NEXT', 'MATCHED', 'MISSING', 'EXTRA', 'MISMATCHED', 'QUARANTINED', 'RECHECKED', 'COMPAT', 'VERDICT'],
    r.tables.map((t) => [t.table, ...[t.counts.legacyRows, t.counts.expectedNextRows, t.counts.nextRows, t.counts.matched, t.counts.missing, t.counts.extra, t.counts.mismatched, t.counts.quarantined, t.counts.rechecked].map(formatCount), formatShare(t.compatibility), t.verdict]),
    { indent: '  ', right: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  ));
  for (const t of r.tables) {
    if (t.invariantHolds !== null) lines.push(`  ${t.table}: legacy ${formatCount(t.counts.legacyRows)} ${t.invariantHolds ? '=' : '≠'} matched ${formatCount(t.counts.matched)} + quarantined ${formatCount(t.counts.quarantined)}`);
    if (t.ranges) lines.push(`  ${t.table}: verified in ${t.ranges} key ranges side by side`);
    if (t.counts.rechecked > 0) lines.push(`  ${t.table}: ${formatCount(t.counts.rechecked)} row(s) re-checked after apply passed them, ${formatCount(t.counts.settledByRecheck)} were changes in flight`);
    for (const n of t.notes) lines.push(`  ${t.table}: ${n}`);
  }
  const diffs = r.tables.flatMap((t) => t.differences);
  if (diffs.length > 0) {
    lines.push('', 'Differences');
    for (const d of diffs.slice(0, maxShown)) {
      lines.push(`  ${d.kind.toUpperCase()} ${d.nextTable} ${JSON.stringify(d.key)}${d.legacyKey ? ` (legacy ${d.sourceTable} ${JSON.stringify(d.legacyKey)})` : ''}`);
      if (d.kind === 'mismatched') for (const c of d.columns) lines.push(`    ${c.column}: legacy gives ${shown(c.expected)}, next has ${shown(c.actual)}`);
    }
    const total = r.tables.reduce((n, t) => n + t.counts.missing + t.counts.extra + t.counts.mismatched, 0);
    if (total > Math.min(maxShown, diffs.length)) lines.push(`  … ${formatCount(total - Math.min(maxShown, diffs.length))} more${r.runId !== undefined ? ` (all kept in the state store, run ${r.runId})` : ''}`);
  }
  const verdict = r.verdict === 'match' ? 'every row matches' : r.verdict === 'differences' ? 'differences found' : 'INCONCLUSIVE (not a pass)';
  lines.push('', `Result: ${verdict} (exit ${r.exitCode})`);
  return lines.join('\n');
}
