import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The C paced generator's source, and where its binary is cached (node_modules is never in git). */
export const PACED_SOURCE = join(import.meta.dirname, 'paced.c');
export const PACED_CACHE_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'siphon-bench');
export const PACED_BINARY = join(PACED_CACHE_DIR, 'siphon-paced');

function mtime(file: string): number | undefined {
  try { return statSync(file).mtimeMs; } catch { return undefined; }
}

let checked: string | null | undefined;

/**
 * Path of the compiled generator, compiling it with `cc -O2` when it is missing or older than paced.c; null when
 * compiling failed (the caller falls back to the Node generator). Checked once per process. The binary is written
 * under a temporary name then renamed, so two benches compiling at once never run a half-written file.
 */
export function ensurePacedBinary(): string | null {
  if (checked !== undefined) return checked;
  const built = mtime(PACED_BINARY);
  if (built !== undefined && built >= mtime(PACED_SOURCE)!) return (checked = PACED_BINARY);
  const tmp = `${PACED_BINARY}.${process.pid}.tmp`;
  try {
    mkdirSync(PACED_CACHE_DIR, { recursive: true });
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-o', tmp, PACED_SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, PACED_BINARY);
    return (checked = PACED_BINARY);
  } catch (e) {
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    process.stderr.write(`\n!!! bench: could not compile ${PACED_SOURCE} (${why}).\n` +
      '!!! Falling back to the Node paced generator: it takes ~40% of a core at 10k req/s and paces on 1 ms ticks, so latency figures are inflated.\n\n');
    return (checked = null);
  }
}
