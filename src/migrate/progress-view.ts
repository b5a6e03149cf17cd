import { formatCount } from '../cli/output.js';
import type { MigrateProgress } from './run.js';

/** Rate and ETA of one table from two consecutive progress snapshots (smoothed). */
interface Pace { rows: number; at: number; rate: number }

export interface ProgressView {
  update(p: MigrateProgress): void;
  /** Leaves the last frame on screen (TTY) or prints the final line (JSON). */
  done(p: MigrateProgress, stoppedBy: string): void;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line per table: bar of backfill rows read, count, rate, ETA, and what apply did. */
export function progressLines(p: MigrateProgress, paces: Map<string, Pace>): string[] {
  const width = 20;
  const name = Math.max(...Object.keys(p.tables).map((t) => t.length), 5);
  const lines: string[] = [];
  for (const [table, t] of Object.entries(p.tables)) {
    const b = t.backfill;
    const rows = b?.rowsCopied ?? 0;
    const prev = paces.get(table);
    const rate = prev && p.at > prev.at ? 0.7 * prev.rate + 0.3 * ((rows - prev.rows) * 1000) / (p.at - prev.at) : 0;
    paces.set(table, { rows, at: p.at, rate });
    const total = b?.rowsTotal ?? null;
    const ratio = b?.state === 'done' ? 1 : total ? Math.min(1, rows / total) : 0;
    const filled = Math.round(ratio * width);
    const eta = b?.state === 'done' ? 'done' : total && rate > 0 ? `ETA ${duration((total - rows) / rate)}` : b?.pauseReason ? `waits: ${b.pauseReason}` : b ? b.state : 'no backfill';
    const a = t.applied;
    lines.push(`${table.padEnd(name)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${formatCount(rows)}${total ? `/${formatCount(total)}` : ''} rows ${formatCount(Math.round(rate))}/s ${eta}` +
      `  applied ${formatCount(a.written)} written ${formatCount(a.deleted)} deleted ${formatCount(a.quarantined)} quarantined${a.waiting ? ` ${formatCount(a.waiting)} waiting` : ''}`);
  }
  lines.push(`apply ${p.caughtUp ? 'caught up' : `behind${p.applyLagSeconds !== null ? ` (last batch ${p.applyLagSeconds.toFixed(1)} s after append)` : ''}`}; capture at ${p.capturePosition ?? '(nothing yet)'}`);
  return lines;
}

/** Progress bars redrawn in place on a terminal (stderr). */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const paces = new Map<string, Pace>();
  let drawn = 0;
  const draw = (lines: string[]) => {
    if (drawn > 0) stream.write(`\u001b[${drawn}A`);
    for (const l of lines) stream.write(`\r${l}\u001b[K\n`);
    drawn = lines.length;
  };
  return {
    update: (p) => draw(progressLines(p, paces)),
    done: (p, stoppedBy) => { draw(progressLines(p, paces)); stream.write(`stopped (${stoppedBy}) at apply checkpoint ${p.applyCheckpoint ?? '(none)'}\n`); },
  };
}

/** One JSON object per line on stdout: scripts and logs. */
export function jsonProgress(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): ProgressView {
  return {
    update: (p) => write(JSON.stringify({ event: 'progress', ...p, at: new Date(p.at).toISOString() })),
    done: (p, stoppedBy) => write(JSON.stringify({ event: 'stopped', stoppedBy, ...p, at: new Date(p.at).toISOString() })),
  };
}
