/**
 * `siphon log tail | head -1`: once the reader is gone, a write to stdout fails with EPIPE, emitted as an 'error'
 * event that nobody handles — Node then prints a stack trace and exits 1. A closed pipe is the reader saying "enough",
 * not a failure: end quietly, with the exit code the command had so far (0 unless it already failed).
 */
let guarded = false;

export function guardClosedPipes(exit: (code: number) => never = process.exit): void {
  if (guarded) return;
  guarded = true;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw e; // anything else is a real failure: keep Node's report
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', onError);
}
