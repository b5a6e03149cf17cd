/** A progress bar with rate and ETA on stderr: redrawn in place on a terminal, a line every 5 s otherwise. */
export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(private readonly total: number, private readonly unit: string, private readonly out: NodeJS.WriteStream | null = process.stderr) {}

  update(done: number, rows: number, force = false): void {
    if (!this.out) return;
    const now = Date.now();
    const tty = this.out.isTTY === true;
    if (!force && now - this.lastDraw < (tty ? 200 : 5000)) return;
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const frac = this.total > 0 ? done / this.total : 1;
    const eta = frac > 0 ? elapsed / frac - elapsed : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1).padStart(5)}% ${done}/${this.total} ${this.unit}, ${rows} rows, ${Math.round(rows / Math.max(elapsed, 0.001))} rows/s, ETA ${formatSeconds(eta)}`;
    this.out.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  finish(done: number, rows: number): void {
    if (!this.out) return;
    this.update(done, rows, true);
    if (this.out.isTTY) this.out.write('\n');
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}
