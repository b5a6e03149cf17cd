import type { DiffReport, FieldReport } from './report.js';

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

function fieldLine(f: FieldReport, compared: number): string {
  const kinds = f.kinds.map((k) => `${k.kind}×${k.count}`).join(' ');
  const noise = f.reason === 'no-noise-data' ? 'no second legacy answer'
    : `legacy≠next ${f.raw}, legacy≠legacy2 ${f.noise}; relative ${f.relative ?? 0}%, absolute ${f.absolute ?? 0}%${f.reason === 'nondeterministic' ? '; legacy non-deterministic here' : ''}`;
  const s = f.kinds[0]?.samples[0];
  const sample = s ? `\n        e.g. trace ${s.traceId} ${s.request} ${s.path}: legacy ${s.legacy ?? '(absent)'} → next ${s.next ?? '(absent)'}${s.note ? ` (${s.note})` : ''}` : '';
  return `    ${f.real ? 'REAL ' : 'noise'} ${f.path}  ${kinds}  in ${f.differing} of ${compared}  [${noise}]${sample}`;
}

/** A human-readable compatibility report: per endpoint, then its differing fields (real ones first) with a sample. */
export function formatReport(r: DiffReport, options: { showNoise?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`compatibility ${pct(r.compatibility)} (${r.compatible} of ${r.compared} compared requests without a real difference; ${r.withNoise} with a second legacy answer)`);
  if (r.skipped.legacyError || r.skipped.truncated) lines.push(`not compared: ${r.skipped.legacyError} without a legacy answer, ${r.skipped.truncated} with a cut body`);
  for (const ep of r.endpoints) {
    lines.push(`  ${ep.endpoint}  ${pct(ep.compatibility)}  (${ep.compatible}/${ep.compared})${ep.ignoredDifferences ? `  ${ep.ignoredDifferences} ignored differences` : ''}`);
    const shown = ep.fields.filter((f) => f.real || options.showNoise);
    for (const f of shown) lines.push(fieldLine(f, ep.compared));
    const hidden = ep.fields.length - shown.length;
    if (hidden > 0) lines.push(`    (${hidden} field${hidden > 1 ? 's' : ''} within noise)`);
  }
  const l = r.limits;
  const partial = Object.entries(l.partial).filter(([, n]) => n > 0).map(([k, n]) => `${n} cut by the ${k} limit`);
  if (l.droppedEndpoints || l.droppedFields || l.untrackedRequests || l.queueDropped || partial.length) {
    lines.push(`limits: ${[
      l.droppedEndpoints ? `${l.droppedEndpoints} exchanges of untracked endpoints` : '',
      l.droppedFields ? `${l.droppedFields} untracked field paths` : '',
      l.untrackedRequests ? `${l.untrackedRequests} requests with untracked difference combinations` : '',
      l.queueDropped ? `${l.queueDropped} exchanges dropped (queue full)` : '',
      ...partial,
    ].filter(Boolean).join(', ')}`);
  }
  return lines.join('\n');
}
