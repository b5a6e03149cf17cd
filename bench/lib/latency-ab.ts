// A/B latency of gateway variants at one paced rate, in alternating rounds, with each variant's own CPU per request.
// On a shared two-core machine one round's p99 moves by several times between rounds of the same process: only many
// alternating rounds, compared pairwise, tell a change from the noise (see docs/AREAS/gateway.md, Benchmark).
//
// Usage: npx tsx bench/lib/latency-ab.ts VARIANT [VARIANT...]
//   VARIANT = name[,workers=N][,mode=legacy|shadow][,dir=CHECKOUT][,node=NODE_OPTIONS][,args=EXTRA GATEWAY ARGS]
//   e.g. base  'semi64,node=--max-semi-space-size=64'  'shed35,mode=shadow,args=--mirror-max-load 0.35'
// Env: AB_RATE (10000 req/s), AB_ROUNDS (6), AB_SECONDS (4), AB_WARM_SECONDS (2), AB_DIRECT=1 adds nginx direct.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pacedLoad } from './paced.js';
import { cpuMs, processTree } from './proc-cpu.js';
import { ensureTools, freePort, median, startNginx, waitForHttp, workDir } from './tools.js';

const RATE = Number(process.env.AB_RATE ?? 10_000);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 6);
const SECONDS = Number(process.env.AB_SECONDS ?? 4);
const WARM = Number(process.env.AB_WARM_SECONDS ?? 2);
const root = join(import.meta.dirname, '../..');

export interface Variant {
  readonly name: string;
  readonly workers: number;
  readonly mode: 'legacy' | 'shadow';
  readonly dir: string;
  readonly nodeOptions?: string;
  readonly args: string[];
}

/** Parses `name[,key=value...]`; an unknown key or a bad value is an error naming it. */
export function parseVariant(spec: string, defaultDir = root): Variant {
  const [name, ...pairs] = spec.split(',');
  if (!name || !/^[\w.-]+$/.test(name)) throw new Error(`variant "${spec}": the name must be letters, digits, _ . or -`);
  let workers = 2; let mode: Variant['mode'] = 'legacy'; let dir = defaultDir; let nodeOptions: string | undefined; let args: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const [key, value] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    switch (key) {
      case 'workers':
        workers = Number(value);
        if (!Number.isInteger(workers) || workers < 1) throw new Error(`variant "${name}": workers must be an integer >= 1, got "${value}"`);
        break;
      case 'mode':
        if (value !== 'legacy' && value !== 'shadow') throw new Error(`variant "${name}": mode must be legacy or shadow, got "${value}"`);
        mode = value;
        break;
      case 'dir': dir = value; break;
      case 'node': nodeOptions = value; break;
      case 'args': args = value.split(' ').filter(Boolean); break;
      default: throw new Error(`variant "${name}": unknown key "${key}" (workers, mode, dir, node, args)`);
    }
  }
  return { name, workers, mode, dir, ...(nodeOptions ? { nodeOptions } : {}), args };
}

async function main(): Promise<void> {
  const variants = process.argv.slice(2).map((s) => parseVariant(s));
  if (variants.length === 0) throw new Error('name at least one variant (see the usage at the top of this file)');
  if (new Set(variants.map((v) => v.name)).size !== variants.length) throw new Error('variant names must differ');
  ensureTools();
  const dir = workDir();
  const children: ChildProcess[] = [];
  process.on('exit', () => { for (const c of children) c.kill('SIGTERM'); });
  const [legacy, next] = [await freePort(), await freePort()];
  const nginx = startNginx(dir, [legacy, next]);
  children.push(nginx);
  const targets: { name: string; url: string; pid: number; gateway: boolean }[] = [];
  if (process.env.AB_DIRECT === '1') targets.push({ name: 'direct', url: `http://127.0.0.1:${legacy}/customers/42/orders`, pid: nginx.pid!, gateway: false });
  for (const v of variants) {
    const port = await freePort();
    const routes = join(dir, `routes-${v.name}.json`);
    writeFileSync(routes, JSON.stringify([{ id: 'all', match: { path: '/*' }, mode: { kind: v.mode } }]));
    // old flags on purpose: a variant may be an older checkout that knows only --legacy/--next (deprecated aliases now)
    const c = spawn(process.execPath, [join(v.dir, 'bin/siphon.js'), 'gateway', 'start', '--legacy', `http://127.0.0.1:${legacy}`,
      '--next', `http://127.0.0.1:${next}`, '--routes', routes, '--port', String(port), '--workers', String(v.workers), ...v.args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, SIPHON_LOG_LEVEL: 'warn', ...(v.nodeOptions ? { NODE_OPTIONS: v.nodeOptions } : {}) },
    });
    children.push(c);
    targets.push({ name: v.name, url: `http://127.0.0.1:${port}/customers/42/orders`, pid: c.pid!, gateway: true });
  }
  for (const t of targets) await waitForHttp(t.url);
  console.log(`# ${ROUNDS} alternating rounds of ${SECONDS}s at ${RATE} req/s, 32 connections; cpu = the server's own CPU per request (direct: nginx)`);
  const p99: Record<string, number[]> = {}; const p90: Record<string, number[]> = {}; const cpu: Record<string, number[]> = {};
  const vsFirst: Record<string, number[]> = {};
  for (let r = 1; r <= ROUNDS; r++) {
    let first: number | undefined;
    for (const t of targets) {
      await new Promise((res) => setTimeout(res, 1000));
      await pacedLoad({ url: t.url, rate: RATE, durationMs: WARM * 1000, connections: 32 });
      const tree = processTree(t.pid);
      const c0 = cpuMs(tree);
      const x = await pacedLoad({ url: t.url, rate: RATE, durationMs: SECONDS * 1000, connections: 32 });
      const us = ((cpuMs(tree) - c0) * 1000) / x.completed;
      (p99[t.name] ??= []).push(x.p99Ms); (p90[t.name] ??= []).push(x.p90Ms); (cpu[t.name] ??= []).push(us);
      if (t.gateway) { first ??= x.p99Ms; (vsFirst[t.name] ??= []).push(x.p99Ms / first); }
      console.log(`  round ${r} ${t.name.padEnd(12)} p50 ${x.p50Ms.toFixed(2)}  p90 ${x.p90Ms.toFixed(2)}  p99 ${x.p99Ms.toFixed(2)}` +
        `  max ${x.maxMs.toFixed(1)}  stalls ${x.stalls}  errors ${x.errors + x.non2xx}  cpu ${us.toFixed(1)} µs`);
    }
  }
  const r2 = (n: number) => Math.round(n * 100) / 100;
  const result = Object.fromEntries(targets.map((t) => [t.name, {
    p90Ms: r2(median(p90[t.name]!)), p99Ms: r2(median(p99[t.name]!)), cpuUsPerRequest: r2(median(cpu[t.name]!)),
    ...(vsFirst[t.name] ? { p99VsFirstPaired: r2(median(vsFirst[t.name]!)) } : {}),
  }]));
  console.log(JSON.stringify({ rate: RATE, rounds: ROUNDS, seconds: SECONDS, variants: result }));
}

if (process.argv[1] === import.meta.filename) {
  main().then(() => process.exit(0), (e: Error) => { console.error(`latency-ab: ${e.message}`); process.exit(2); });
}
