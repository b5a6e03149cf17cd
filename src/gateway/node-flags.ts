/**
 * V8 flags every gateway process runs with. `siphon gateway start` with one process gets them from `bin/siphon.js`,
 * which starts itself again with them (bin/node-flags.js holds the same list: a test checks); with `--workers N` the
 * primary gives them to its workers (`workerExecArgv`), so no wrapper process sits above the primary.
 *
 * `--no-memory-reducer`: V8's memory reducer takes a process with a low allocation rate — a gateway serving a modest
 * rate — for idle and runs full collections to shrink its heap, pausing requests 8–12 ms (measured under
 * bench:hostile; docs/AREAS/gateway.md, "Memory reducer"). A server that is never idle for long does not want it.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];

/** A flag's name as V8 reads it: `--a_b=1` is `--a-b`, and `--no-x` is the same flag as `--x`. */
const flagName = (f: string): string => f.split('=')[0]!.replaceAll('_', '-').replace(/^--no-/, '--');

/**
 * The execArgv cluster workers start with: the primary's own, plus the gateway's flags that neither it nor
 * NODE_OPTIONS already sets (a flag the user set, with any value, wins).
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/).filter(Boolean)].map(flagName));
  return [...execArgv, ...GATEWAY_NODE_FLAGS.filter((f) => !given.has(flagName(f)))];
}
