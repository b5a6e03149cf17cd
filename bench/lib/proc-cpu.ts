import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of a process tree from /proc (user + system, all threads, children included while they run), for the
 * per-request CPU figures of a paced run: read before and after, divide by the requests answered. Linux only; an
 * empty reading (no /proc) gives NaN figures rather than failing the bench.
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch { /* gone */ }
  return out;
}

/** The process and all its descendants. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]!));
  return all;
}

/** User + system CPU milliseconds used so far by these processes (NaN when /proc can not be read). */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(rest[11]) + Number(rest[12]);
    } catch { return NaN; }
  }
  return ticks * TICK_MS;
}
