// npm run bench:tracing — the cost of OpenTelemetry tracing on the gateway's hot path. Three `siphon gateway start`
// processes on one nginx upstream (1 KB JSON), a shadow route (so the mirror's span is there too), one worker each:
//   base: the code before tracing existed (BENCH_BASE_REV, default the merge-base of HEAD and main), unpacked from git;
//   off:  this code, tracing off (the default): must cost nothing;
//   on:   this code, --otlp-endpoint to a local collector that accepts and discards, every trace sampled;
//   on1:  the same with --trace-sample-ratio 0.01 (a production setting: 1 trace in 100 recorded).
// Rounds alternate (base off on on1, off on on1 base, …), each warmed; medians and min–max spread of requests/s and wrk's p99.
// Env: BENCH_ROUNDS (5), BENCH_SECONDS (5), BENCH_WARM_SECONDS (2), BENCH_BASE_REV, BENCH_BASE_DIR (an unpacked base).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureTools, freePort, median, startNginx, waitForHttp, workDir, wrk } from './lib/tools.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM = Number(process.env.BENCH_WARM_SECONDS ?? 2);
const root = join(import.meta.dirname, '..');
const children: ChildProcess[] = [];
const own = (c: ChildProcess) => { children.push(c); return c; };
process.on('exit', () => { for (const c of children) if (c.exitCode === null) { try { c.kill('SIGTERM'); } catch { /* gone */ } } });
process.on('SIGINT', () => process.exit(130));

/** The base code: `git archive` of the sources at `rev`, with this checkout's node_modules. */
function unpackBase(dir: string): { dir: string; rev: string } {
  if (process.env.BENCH_BASE_DIR) return { dir: process.env.BENCH_BASE_DIR, rev: process.env.BENCH_BASE_REV ?? '(given dir)' };
  const rev = process.env.BENCH_BASE_REV ?? execFileSync('git', ['-C', root, 'merge-base', 'HEAD', 'main'], { encoding: 'utf8' }).trim();
  const base = join(dir, 'base');
  mkdirSync(base);
  execFileSync('sh', ['-c', `git -C '${root}' archive --format=tar ${rev} bin src examples bench package.json tsconfig.json | tar -x -C '${base}'`]);
  if (!existsSync(join(base, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(base, 'node_modules'));
  return { dir: base, rev };
}

/** A collector that accepts every OTLP request and discards it (its own process: wrk blocks this one). */
function startCollector(port: number): ChildProcess {
  return own(spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{}'); }); }).listen(${port}, '127.0.0.1')`], { stdio: 'ignore' }));
}

function startGateway(codeDir: string, dir: string, port: number, upstream: number, extra: string[] = []): ChildProcess {
  const routes = join(dir, 'routes.json');
  writeFileSync(routes, JSON.stringify([{ id: 'all', match: { path: '/*' }, mode: { kind: 'shadow' } }]));
  return own(spawn(process.execPath, [join(codeDir, 'bin/siphon.js'), 'gateway', 'start', '--legacy-http', `http://127.0.0.1:${upstream}`,
    '--next-http', `http://127.0.0.1:${upstream}`, '--routes', routes, '--port', String(port), '--workers', '1', ...extra],
  { cwd: codeDir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SIPHON_LOG_LEVEL: 'warn' } }));
}

const spread = (xs: number[]) => ({ median: Math.round(median(xs) * 100) / 100, min: Math.round(Math.min(...xs) * 100) / 100, max: Math.round(Math.max(...xs) * 100) / 100 });

async function main(): Promise<void> {
  ensureTools();
  const dir = workDir();
  const base = unpackBase(dir);
  const [nginx, collector, pBase, pOff, pOn, pOn1] = await Promise.all(Array.from({ length: 6 }, freePort)) as number[];
  own(startNginx(dir, [nginx!]));
  startCollector(collector!);
  startGateway(base.dir, dir, pBase!, nginx!);
  startGateway(root, dir, pOff!, nginx!);
  startGateway(root, dir, pOn!, nginx!, ['--otlp-endpoint', `http://127.0.0.1:${collector}`, '--trace-sample-ratio', '1']);
  startGateway(root, dir, pOn1!, nginx!, ['--otlp-endpoint', `http://127.0.0.1:${collector}`, '--trace-sample-ratio', '0.01']);
  const configs = [['base', pBase!], ['off', pOff!], ['on', pOn!], ['on1', pOn1!]] as const;
  for (const [, p] of configs) await waitForHttp(`http://127.0.0.1:${p}/customers/1`);
  const rps: Record<string, number[]> = { base: [], off: [], on: [], on1: [] };
  const p99: Record<string, number[]> = { base: [], off: [], on: [], on1: [] };
  const errors: Record<string, number> = { base: 0, off: 0, on: 0, on1: 0 };
  const load = [loadavg()[0]!];
  for (let r = 0; r < ROUNDS; r++) {
    // the order rotates per round: the traced process exports its spans for a while after its run, and whoever ran
    // next always paid for it (the first run of this bench showed `base`, after `on`, slower in 4 rounds of 5)
    for (const [name, p] of [...configs.slice(r % configs.length), ...configs.slice(0, r % configs.length)]) {
      const url = `http://127.0.0.1:${p}/customers/42/orders`;
      wrk(url, WARM);
      const w = wrk(url, SECONDS);
      errors[name]! += w.errors; // socket timeouts happen on a loaded shared machine: counted and reported, not fatal
      rps[name]!.push(w.rps);
      p99[name]!.push(w.p99Ms);
      if (name === 'on') await new Promise((res) => setTimeout(res, 3000)); // let its exporter drain before the next run
      console.log(`round ${r + 1} ${name.padEnd(4)} ${w.rps.toFixed(0).padStart(7)} req/s  p99 ${w.p99Ms.toFixed(2)} ms`);
    }
    load.push(loadavg()[0]!);
  }
  // per round ratios against the base of the same round (the shared machine drifts between rounds)
  const ratio = (name: string) => spread(rps[name]!.map((v, i) => v / rps.base![i]!));
  const result = {
    bench: 'tracing', baseRev: base.rev, rounds: ROUNDS, seconds: SECONDS,
    rps: { base: spread(rps.base!), off: spread(rps.off!), on: spread(rps.on!), on1: spread(rps.on1!) },
    p99Ms: { base: spread(p99.base!), off: spread(p99.off!), on: spread(p99.on!), on1: spread(p99.on1!) },
    offVsBase: ratio('off'), onVsBase: ratio('on'), on1VsBase: ratio('on1'), errors,
    loadavg1m: spread(load),
  };
  console.log(`tracing off vs base: ${result.offVsBase.median}× (${result.offVsBase.min}–${result.offVsBase.max}); on (all sampled) vs base: ${result.onVsBase.median}×; on (1% sampled) vs base: ${result.on1VsBase.median}×`);
  console.log(JSON.stringify(result));
  process.exit(0);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
