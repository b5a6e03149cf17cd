// Shared CLI output helpers: JSON documents on stdout, aligned tables, and a progress bar with ETA on stderr (only
// when stderr is a terminal, so pipes and CI logs stay clean).

/** Writes text to stdout (a trailing newline is added when missing). */
export function out(text = ''): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes text to stderr (a trailing newline is added when missing). */
export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** JSON with bigints as strings and Buffers as base64, so any report serialises. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('base64');
    }
    return v;
  }, indent);
}

/** Prints one JSON document on stdout. */
export function printJson(value: unknown): void {
  out(toJson(value));
}

export interface TableOptions {
  /** Columns to right-align (numbers), by index. */
  readonly right?: readonly number[];
  /** Prefix of every line. */
  readonly indent?: string;
}

/** An aligned text table: a header row, then rows; cells are padded to the widest one in their column. */
export function formatTable(headers: readonly string[] | null, rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const all = headers ? [headers, ...rows] : rows;
  const widths: number[] = [];
  for (const r of all) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  const right = new Set(options.right ?? []);
  const line = (r: readonly string[]) => (options.indent ?? '') + r.map((c, i) => {
    const w = widths[i] ?? 0;
    if (i === r.length - 1 && !right.has(i)) return c;
    return right.has(i) ? c.padStart(w) : c.padEnd(w);
  }).join('  ');
  return all.map(line).join('\n');
}

/** 1234567 → "1,234,567" */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** 0.9412 → "94.1%". Rounded down, so that 99.99% clean never reads as 100.0%. */
export function formatShare(share: number): string {
  return `${(Math.floor(share * 1000 + 1e-9) / 10).toFixed(1)}%`;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface Progress {
  tick(n?: number): void;
  /** Clears the bar. */
  done(): void;
}

/**
 * A progress bar with rate-based ETA on stderr, redrawn at most every 100 ms. A no-op when stderr is not a TTY (or
 * `enabled` is false), so callers never need to check.
 */
export function progress(label: string, total: number, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled || total <= 0) return { tick: () => {}, done: () => {} };
  const start = Date.now();
  let count = 0, last = 0;
  const draw = () => {
    const elapsed = Date.now() - start;
    const ratio = Math.min(1, count / total);
    const width = 24;
    const filled = Math.round(ratio * width);
    const eta = count > 0 && ratio < 1 ? ` ETA ${formatDuration((elapsed / count) * (total - count))}` : '';
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${formatCount(count)}/${formatCount(total)} ${formatShare(ratio)}${eta}\u001b[K`);
  };
  return {
    tick(n = 1) {
      count += n;
      const now = Date.now();
      if (now - last >= 100 || count >= total) { last = now; draw(); }
    },
    done() { process.stderr.write('\r\u001b[K'); },
  };
}
