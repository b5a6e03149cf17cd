import { formatCount } from '../cli/output.js';
import type { PauseReason } from '../backfill/types.js';
import { assertNever } from '../errors.js';
import type { MigrateProgress } from './run.js';

export interface ProgressView {
  update(p: MigrateProgress): void;
  /** Leaves the last frame on screen (TTY) or prints the final line (JSON). */
  done(p: MigrateProgress, stoppedBy: string): void;
}

function duration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Why the backfill waits, in words. */
export function pauseText(r: PauseReason): string {
  switch (r.kind) {
    case 'operator': return `paused by the operator${r.reason ? ` (${r.reason})` : ''}`;
    case 'heartbeat-latency': return `legacy heartbeat ${r.latencyMs} ms > ${r.boundMs} ms`;
    case 'capture-lag': return `apply lag ${r.lagSeconds.toFixed(1)} s > ${r.boundSeconds} s`;
    case 'rate-cap': return `rate cap ${r.rowsPerSecond} rows/s`;
    case 'waiting-for-capture': return 'waiting for capture to show the probe watermark';
    default: return assertNever(r, 'pause reason');
  }
}

/** One line per table (bar, rows read/estimate, rate, ETA), then the backfill's wait reason and apply's position. */
export function progressLines(p: MigrateProgress): string[] {
  const width = 20;
  const lines: string[] = [];
  const tables = p.backfill?.tables ?? [];
  const name = Math.max(5, ...tables.map((t) => t.table.length));
  for (const t of tables) {
    const ratio = t.state === 'done' ? 1 : t.rowsEstimate ? Math.min(1, t.rowsCopied / t.rowsEstimate) : 0;
    const filled = Math.round(ratio * width);
    const eta = t.state === 'done' ? 'done' : t.state === 'pending' ? 'pending' : t.state === 'failed' ? `failed: ${t.error}` : `ETA ${duration(t.etaSeconds)}`;
    lines.push(`${t.table.padEnd(name)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${formatCount(t.rowsCopied)}${t.rowsEstimate !== null ? `/${formatCount(t.rowsEstimate)}` : ''} rows  ${formatCount(Math.round(t.rowsPerSecond))} rows/s  ${eta}`);
  }
  if (p.backfill?.pauseReason) lines.push(`backfill waits: ${pauseText(p.backfill.pauseReason)}`);
  lines.push(`apply: ${formatCount(p.changesApplied)} changes + ${formatCount(p.chunkRowsApplied)} chunk rows, lag ${p.applyLagSeconds === null ? '?' : `${p.applyLagSeconds.toFixed(1)} s`}, log offset ${p.applyCheckpoint ?? '(none)'}; capture at ${p.capturePosition ?? '(nothing yet)'}`);
  return lines;
}

/** Progress bars redrawn in place on a terminal (stderr). */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  let drawn = 0;
  const draw = (lines: string[]) => {
    if (drawn > 0) stream.write(`\u001b[${drawn}A`);
    for (const l of lines) stream.write(`\r${l}\u001b[K\n`);
    drawn = lines.length;
  };
  return {
    update: (p) => draw(progressLines(p)),
    done: (p, stoppedBy) => { draw(progressLines(p)); stream.write(`stopped (${stoppedBy}) at apply checkpoint ${p.applyCheckpoint ?? '(none)'}\n`); },
  };
}

/** One JSON object per line on stdout: scripts and logs. */
export function jsonProgress(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): ProgressView {
  return {
    update: (p) => write(JSON.stringify({ event: 'progress', ...p, at: new Date(p.at).toISOString() })),
    done: (p, stoppedBy) => write(JSON.stringify({ event: 'stopped', stoppedBy, ...p, at: new Date(p.at).toISOString() })),
  };
}
