// CPU per proxied request, immune to a busy shared machine's wall-clock noise: each proxy runs in its own process
// (one, no cluster) and reports process.cpuUsage() over the requests it answered at a fixed paced rate.
// Usage: tsx bench/lib/cpu-per-request.ts [seconds=6] [rounds=2] [kinds=bare,legacy,shadow] (a kind may be KIND@DIR,
// and may end with #FLAGS: Node/V8 flags for that process, space-separated, e.g. `legacy#--max-semi-space-size=64`)
// CPU_WRK=N: closed loop at saturation instead (wrk -t1 -cN), as in bench:gateway's throughput rounds: per-request
// CPU there has fewer wake-ups per request than at a paced rate, so the proxy's own work is a larger share of it.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { pacedLoad } from './paced.js';
import { ensureTools, median, startNginx, waitForHttp, workDir, wrk } from './tools.js';

/** Fixed request rate (below saturation: at saturation a shadow gateway drops copies and looks cheaper). */
const RATE = Number(process.env.CPU_RATE ?? 3000);
/** Connections of a closed-loop wrk run at saturation (0: paced at RATE). */
const WRK = Number(process.env.CPU_WRK ?? 0);

const SECONDS = Number(process.argv[2] ?? 6);
const ROUNDS = Number(process.argv[3] ?? 2);
const KINDS = (process.argv[4] ?? 'bare,legacy,shadow').split(',');
const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGTERM'); });

async function ask(c: ChildProcess, m: string): Promise<string> {
  c.send(m);
  const [reply] = await once(c, 'message') as [string];
  return reply;
}

/** wrk's figures in the paced result's shape (what the log line prints). */
function wrkRun(url: string, seconds: number): { achievedRps: number; p99Ms: number; errors: number; non2xx: number } {
  const r = wrk(url, seconds, WRK);
  return { achievedRps: r.rps, p99Ms: r.p99Ms, errors: r.errors, non2xx: 0 };
}

async function main(): Promise<void> {
  ensureTools();
  const dir = workDir();
  const base = 20000 + Math.floor(Math.random() * 20000);
  const nginx = startNginx(dir, [base, base + 1]);
  children.push(nginx);
  const procs = new Map<string, { c: ChildProcess; port: number }>();
  for (const [i, kind] of KINDS.entries()) {
    const port = base + 10 + i;
    // `kind@DIR`: the same proxy from another checkout (DIR/bench/lib/cpu-child.ts), e.g. to compare with a commit
    const [spec, flagText] = kind.split('#') as [string, string | undefined];
    const [what, other] = spec.split('@') as [string, string | undefined];
    const flags = (flagText ?? '').split(/\s+/).filter(Boolean);
    const child = other ? join(other, 'bench/lib/cpu-child.ts') : join(import.meta.dirname, 'cpu-child.ts');
    const c = fork(child, [what, String(port), String(base), String(base + 1)],
      { execArgv: [...flags, '--import', 'tsx', ...(process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : [])],
        env: { ...process.env, SIPHON_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(c);
    await once(c, 'message');
    procs.set(kind, { c, port });
  }
  for (const { port } of procs.values()) await waitForHttp(`http://127.0.0.1:${port}/customers/42/orders`);
  const us: Record<string, number[]> = Object.fromEntries(KINDS.map((k) => [k, []]));
  const userUs: Record<string, number[]> = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [kind, { c, port }] of procs) {
      const url = `http://127.0.0.1:${port}/customers/42/orders`;
      if (WRK > 0) wrk(url, 1, WRK); else await pacedLoad({ url, rate: RATE, durationMs: 1000, connections: 32 });
      await ask(c, 'start');
      const w = WRK > 0 ? wrkRun(url, SECONDS) : await pacedLoad({ url, rate: RATE, durationMs: SECONDS * 1000, connections: 32 });
      const got = JSON.parse(await ask(c, 'stop')) as { requests: number; userUs: number; systemUs: number };
      const per = (got.userUs + got.systemUs) / got.requests;
      us[kind]!.push(per);
      userUs[kind]!.push(got.userUs / got.requests);
      console.log(`${kind.padEnd(7)} ${per.toFixed(1)} µs/request (user ${(got.userUs / got.requests).toFixed(1)}, sys ${(got.systemUs / got.requests).toFixed(1)}) over ${got.requests} requests at ${w.achievedRps.toFixed(0)}/s, p99 ${w.p99Ms.toFixed(1)} ms, errors ${w.errors + w.non2xx}`);
    }
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  console.log(JSON.stringify(Object.fromEntries(KINDS.map((k) => [k, r1(median(us[k]!))]))));
  console.log(JSON.stringify({ user: Object.fromEntries(KINDS.map((k) => [k, r1(median(userUs[k]!))])) }));
  for (const { c } of procs.values()) c.kill('SIGTERM');
  nginx.kill('SIGTERM');
}
main().then(() => process.exit(0), (e: Error) => { console.error(e.stack); process.exit(1); });
