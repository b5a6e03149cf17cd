// V8 flags some commands run with, and the re-exec that sets them. Plain JavaScript: `bin/siphon.js` reads it before
// tsx is registered, and `bench/verify.ts` reads it so that the bench measures the process users run.
//
// Why: `siphon verify` is a batch job whose pages in flight (a legacy chunk read ahead, next pages buffered) survive
// young-generation collections and get copied; a 64 MB semi-space (V8's default is 16 MB) lets most of them die
// young. Measured on the 1 M-row billing bench: about a third more rows per CPU-second for verify (see
// docs/AREAS/verify.md, Figures). V8 reads the size once, when the heap is made (`v8.setFlagsFromString` later has
// no effect: measured), so the flag has to be on the command line: the process starts itself again with it.
import { spawn } from 'node:child_process';

/** Flags per command; only commands measured with them are listed. */
const FLAGS = {
  verify: ['--max-semi-space-size=64'],
  // `gateway start`, a long-running server: V8's memory reducer takes a gateway serving a modest rate for an idle
  // process (a low allocation rate) and runs full collections (8–12 ms pauses) in the middle of its requests —
  // measured in bench:hostile (docs/AREAS/gateway.md). A cluster's primary gives them to its workers (src/gateway/run.ts).
  gateway: ['--no-memory-reducer'],
};

/**
 * Which entry of FLAGS the command line `args` (what follows `siphon`) runs with, or undefined. `gateway start` with
 * more than one worker is not re-executed: its primary gives its workers the flags (cluster's execArgv), and a
 * wrapper above the primary would be one more process for supervisors to tell apart.
 */
export function flagsCommand(args) {
  if (args[0] === 'verify') return 'verify';
  if (args[0] === 'gateway' && args[1] === 'start' && gatewayWorkers(args) <= 1) return 'gateway';
  return undefined;
}

/** `--workers N` / `--workers=N` as given (the last one wins, as commander does), 1 when absent or unreadable. */
function gatewayWorkers(args) {
  let n = 1;
  args.forEach((a, i) => {
    const v = a === '--workers' ? args[i + 1] : a.startsWith('--workers=') ? a.slice('--workers='.length) : undefined;
    if (v !== undefined) n = Number.parseInt(v, 10) || 1;
  });
  return n;
}

/** The flags `command` runs with that this process was not started with (argv or NODE_OPTIONS): none to add → []. */
export function missingNodeFlags(command, execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS) {
  // under a debugger the process stays the one being debugged (a child would ask for the inspector's port again)
  if (execArgv.some((f) => f.startsWith('--inspect'))) return [];
  const wanted = FLAGS[command] ?? [];
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  // a flag the user set themselves (any value) wins: the name before `=` is compared
  // (`--memory-reducer` and `--no-memory-reducer` are the same flag)
  const name = (f) => f.split('=')[0].replaceAll('_', '-').replace(/^--no-/, '--');
  return wanted.filter((f) => !given.some((g) => name(g) === name(f)));
}

/**
 * Runs `script args` again in a child Node with `flags` added and resolves with what the child ended with
 * ({ code } or { signal }). The child is this command: signals a user sends to this process (Ctrl-C, a supervisor's
 * SIGTERM) are passed on, and the child ends by itself when this process dies without passing one (SIGKILL): it
 * holds an IPC channel whose disconnect it watches (`watchParent`).
 */
export function reexecWithFlags(flags, script, args) {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, script, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    // its own process group: a terminal's Ctrl-C reaches this process only, which passes it on once (verify stops
    // cleanly on the first SIGINT and dies on a second)
    detached: true,
    env: { ...process.env, SIPHON_REEXEC: '1' },
  });
  const forward = (sig) => () => { child.kill(sig); };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handlers = signals.map((s) => [s, forward(s)]);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(signal ? { signal } : { code: code ?? 1 });
    });
  });
}

/** In a re-executed child: end when the parent is gone, without the channel keeping this process alive. */
export function watchParent() {
  if (process.env.SIPHON_REEXEC !== '1' || !process.channel) return;
  delete process.env.SIPHON_REEXEC; // not inherited by processes this one starts
  process.on('disconnect', () => { process.exit(129); });
  // adding the listener refs the channel on the next tick; unref after that, so the command ends when its work does
  setImmediate(() => process.channel?.unref());
}

/** Ends this process as the child ended: same exit code, or the same signal. */
export function endAs(result) {
  if (result.signal) process.kill(process.pid, result.signal);
  else process.exit(result.code);
}
