import { formatCount, formatTable } from '../cli/output.js';
import type { MigrationStatus, TableStatus } from './status.js';

const n = (v: number | null) => (v === null ? '?' : formatCount(v));

function backfillCell(t: TableStatus): string {
  const b = t.backfill;
  if (!b) return 'not started';
  const base = `${b.state}, ${formatCount(b.rowsCopied)} rows read`;
  return b.pauseReason ? `${base} (waits: ${b.pauseReason})` : base;
}

/** The text form of `siphon status`: a table per legacy table, lags, then the check lines (or why they wait). */
export function renderStatus(s: MigrationStatus): string[] {
  const rows = s.tables.map((t) => [
    t.table, n(t.legacyRows), n(t.migrated), formatCount(t.quarantined),
    Object.entries(t.nextRows).map(([k, v]) => `${k} ${n(v)}`).join(', '), backfillCell(t),
  ]);
  const lines = [`migration "${s.config}" at ${s.at}`, '',
    formatTable(['table', 'legacy', 'migrated', 'quarantined', 'next rows', 'backfill'], rows, { right: [1, 2, 3], indent: '  ' }), ''];
  const reasons = s.tables.flatMap((t) => Object.entries(t.quarantinedByReason).map(([r, c]) => `  ${t.table}  ${r}  ${formatCount(c)}`));
  lines.push(reasons.length ? 'quarantined by reason (open items):' : 'quarantine: empty', ...reasons, '');
  const c = s.capture;
  const unit = c.method === 'trigger' ? 'pending change rows' : 'bytes';
  lines.push(`capture "${c.source}" (${c.method}): position ${c.position ?? '(none: capture never ran)'}, legacy ahead by ${c.lagPositions === null ? `unknown${c.lagError ? ` (${c.lagError})` : ''}` : `${formatCount(c.lagPositions)} ${unit}`}, ${formatCount(c.logEntries)} log entries`);
  const a = s.apply;
  lines.push(`apply "${a.consumer}": checkpoint ${a.checkpoint ?? '(none)'} of ${a.logLastOffset ?? '(empty log)'}, ${a.caughtUp ? 'caught up' : `${a.lagSeconds.toFixed(1)} s behind`}`);
  lines.push('');
  for (const t of s.tables) {
    if (t.check) lines.push(`${t.check.ok ? '✔' : '✘'} ${t.check.line}`);
    else lines.push(`… ${t.table}: the check legacy = migrated + quarantined waits for its backfill (${t.backfill?.state ?? 'not started'})`);
    for (const e of t.errors) lines.push(`  ! ${e}`);
  }
  return lines;
}
