/**
 * tsx bench/lib/pipe-floor.ts — what the cheapest possible Node proxy does on this machine, beside HAProxy and Siphon.
 *
 * The "pipe" is a Node process that opens one upstream connection per client connection and copies bytes both ways
 * (`socket.pipe`, no HTTP parsing, no routing, no limits): the floor of any proxy written for Node's event loop.
 * HAProxy (one thread), the pipe and `siphon gateway start` (one process, the routes of bench:gateway) alternate in
 * rounds under `wrk -t1 -c64` against nginx serving 1 KB of JSON; medians and each round's ratios to HAProxy are
 * printed, the last line one JSON object. Env: BENCH_ROUNDS (5), BENCH_SECONDS (5), BENCH_WARM_SECONDS (2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingNodeFlags } from '../../bin/node-flags.js';
import { cpuMs, processTree } from './proc-cpu.js';
import { ensureTools, freePort, median, startHaproxy, startNginx, waitForHttp, workDir, wrk } from './tools.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM = Number(process.env.BENCH_WARM_SECONDS ?? 2);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The pipe: one upstream connection per client connection, bytes copied both ways. */
const PIPE = `import net from 'node:net';
const [port, up] = process.argv.slice(-2).map(Number);
net.createServer({ noDelay: true }, (c) => {
  const u = net.connect({ port: up, host: '127.0.0.1', noDelay: true });
  c.pipe(u); u.pipe(c);
  const end = () => { c.destroy(); u.destroy(); };
  c.on('error', end); u.on('error', end); c.on('close', end); u.on('close', end);
}).listen(port, '127.0.0.1');
`;

const children: ChildProcess[] = [];
const own = (c: ChildProcess) => (children.push(c), c);
// SIGTERM: nginx's master then stops its worker (a SIGKILL'd master leaves the worker serving, and busy)
process.on('exit', () => { for (const c of children) if (c.exitCode === null) { try { c.kill('SIGTERM'); } catch { /* gone */ } } });
process.on('SIGINT', () => process.exit(130));

async function main(): Promise<void> {
  ensureTools();
  const dir = workDir();
  const [nginx, haproxy, pipe, siphon] = await Promise.all(Array.from({ length: 4 }, freePort)) as number[];
  own(startNginx(dir, [nginx!]));
  const haproxyProc = own(startHaproxy(dir, haproxy!, nginx!));
  writeFileSync(join(dir, 'pipe.mjs'), PIPE);
  // the pipe gets the V8 flags Siphon's gateway runs with, so that only the work per request differs
  const pipeProc = own(spawn(process.execPath, [...missingNodeFlags('gateway', [], ''), join(dir, 'pipe.mjs'), String(pipe), String(nginx)], { stdio: 'ignore' }));
  const routes = join(dir, 'routes.json');
  writeFileSync(routes, JSON.stringify([{ id: 'all', match: { path: '/*' }, mode: { kind: 'legacy' } }]));
  const siphonProc = own(spawn(process.execPath, [join(root, 'bin/siphon.js'), 'gateway', 'start', '--legacy-http', `http://127.0.0.1:${nginx}`,
    '--next-http', `http://127.0.0.1:${nginx}`, '--routes', routes, '--port', String(siphon)], {
    stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SIPHON_LOG_LEVEL: 'warn', SIPHON_ADMIN_TOKEN: 'bench-token-0123456789abcdef' },
  }));
  const targets = [
    { name: 'haproxy', port: haproxy!, pid: haproxyProc.pid! },
    { name: 'pipe', port: pipe!, pid: pipeProc.pid! },
    { name: 'siphon', port: siphon!, pid: siphonProc.pid! },
  ];
  for (const t of targets) await waitForHttp(`http://127.0.0.1:${t.port}/x`);
  const rps: Record<string, number[]> = {}, cpu: Record<string, number[]> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      const url = `http://127.0.0.1:${t.port}/customers/1`;
      wrk(url, WARM);
      const pids = processTree(t.pid);
      const c0 = cpuMs(pids);
      const r = wrk(url, SECONDS);
      const us = ((cpuMs(pids) - c0) * 1000) / (r.rps * SECONDS);
      (rps[t.name] ??= []).push(r.rps); (cpu[t.name] ??= []).push(us);
      process.stderr.write(`round ${round} ${t.name.padEnd(8)} ${Math.round(r.rps)} req/s  ${us.toFixed(1)} µs CPU/request${r.errors ? `  errors ${r.errors}` : ''}\n`);
    }
  }
  const ratio = (name: string) => rps[name]!.map((x, i) => x / rps.haproxy![i]!);
  const out = {
    rounds: ROUNDS,
    haproxyRps: Math.round(median(rps.haproxy!)), pipeRps: Math.round(median(rps.pipe!)), siphonRps: Math.round(median(rps.siphon!)),
    pipeRatioVsHaproxy: Number(median(ratio('pipe')).toFixed(3)), siphonRatioVsHaproxy: Number(median(ratio('siphon')).toFixed(3)),
    siphonRatioVsPipe: Number(median(rps.siphon!.map((x, i) => x / rps.pipe![i]!)).toFixed(3)),
    pipeRatioPerRound: ratio('pipe').map((x) => Number(x.toFixed(2))), siphonRatioPerRound: ratio('siphon').map((x) => Number(x.toFixed(2))),
    cpuUsPerRequest: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(median(v).toFixed(1))])),
  };
  console.log(JSON.stringify(out));
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
