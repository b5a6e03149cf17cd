// CPU per proxied request, immune to a busy shared machine's wall-clock noise: each proxy runs in its own process
// (one, no cluster) and reports process.cpuUsage() over the requests it answered at a fixed paced rate.
// Usage: tsx bench/lib/cpu-per-request.ts [seconds=6] [rounds=2] [kinds=bare,legacy,shadow] (a kind may be KIND@DIR)
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { pacedLoad } from './paced.js';
import { ensureTools, median, startNginx, waitForHttp, workDir } from './tools.js';

/** Fixed request rate (below saturation: at saturation a shadow gateway drops copies and looks cheaper). */
const RATE = Number(process.env.CPU_RATE ?? 3000);

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
    const [what, other] = kind.split('@') as [string, string | undefined];
    const child = other ? join(other, 'bench/lib/cpu-child.ts') : join(import.meta.dirname, 'cpu-child.ts');
    const c = fork(child, [what, String(port), String(base), String(base + 1)],
      { execArgv: ['--import', 'tsx', ...(process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : [])],
        env: { ...process.env, SIPHON_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(c);
    await once(c, 'message');
    procs.set(kind, { c, port });
  }
  for (const { port } of procs.values()) await waitForHttp(`http://127.0.0.1:${port}/customers/42/orders`);
  const us: Record<string, number[]> = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [kind, { c, port }] of procs) {
      const url = `http://127.0.0.1:${port}/customers/42/orders`;
      await pacedLoad({ url, rate: RATE, durationMs: 1000, connections: 32 });
      await ask(c, 'start');
      const w = await pacedLoad({ url, rate: RATE, durationMs: SECONDS * 1000, connections: 32 });
      const got = JSON.parse(await ask(c, 'stop')) as { requests: number; userUs: number; systemUs: number };
      const per = (got.userUs + got.systemUs) / got.requests;
      us[kind]!.push(per);
      console.log(`${kind.padEnd(7)} ${per.toFixed(1)} µs/request (user ${(got.userUs / got.requests).toFixed(1)}, sys ${(got.systemUs / got.requests).toFixed(1)}) over ${got.requests} requests at ${w.achievedRps.toFixed(0)}/s, p99 ${w.p99Ms.toFixed(1)} ms, errors ${w.errors + w.non2xx}`);
    }
  }
  console.log(JSON.stringify(Object.fromEntries(KINDS.map((k) => [k, Math.round(median(us[k]!) * 10) / 10]))));
  for (const { c } of procs.values()) c.kill('SIGTERM');
  nginx.kill('SIGTERM');
}
main().then(() => process.exit(0), (e: Error) => { console.error(e.stack); process.exit(1); });
