import { run } from '../../src/cli/main.js';

export interface CliResult { readonly code: number; readonly stdout: string; readonly stderr: string }

/**
 * Runs the real CLI in-process (`run()` of src/cli/main.ts) and captures what it writes. process.exitCode is reset
 * before and after, so runs do not leak their exit code into each other or into the test worker.
 */
export async function runCli(args: readonly string[]): Promise<CliResult> {
  const out: string[] = [], err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout), ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; }) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await run(['node', 'siphon', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
  }
}
