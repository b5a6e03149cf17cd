// npm run bench:gateway — Siphon's gateway against HAProxy, fastify + @fastify/reply-from and direct, on nginx
// serving a fixed 1 KB JSON. Configurations alternate (A B C D E, A B C D E, …), each warmed up; medians are
// reported and every ratio is paired with the HAProxy run of the same round (HAProxy's own figure drifts on a shared
// two-core machine). Then latency at a fixed rate (half of Siphon's maximum) with an open-loop paced generator.
// Shadow runs twice: as `siphon gateway start` runs it by default (every copy the load limit lets through) and with a
// mirror budget (`--mirror-rate`, BENCH_MIRROR_RATE copies/s per worker). Each latency row also gives the proxy's own
// CPU per request, read from /proc: on a shared two-core machine the added latency follows it. The throughput rounds
// give each server's CPU per request at saturation too, and what the 2.5×-fastify goal would leave a proxy of the
// cores once wrk and nginx have taken theirs (`proxyCpuBudgetUsForFastifyGoal`), beside HAProxy's own ratio to fastify.
// Env: BENCH_ROUNDS (5), BENCH_SECONDS (5), BENCH_WARM_SECONDS (2), BENCH_LAT_ROUNDS (5), BENCH_LAT_SECONDS (4),
// BENCH_LAT_WARM_SECONDS (3), BENCH_WORKERS (1), BENCH_MIRROR_RATE (250).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pacedLoad, type PacedResult } from './lib/paced.js';
import { cpuMs, processTree } from './lib/proc-cpu.js';
import { ensureTools, freePort, median, startHaproxy, startNginx, waitForHttp, workDir, wrk } from './lib/tools.js';

/** Single 5 s rounds swing ±10 % on a shared two-core machine: five paired rounds keep the median steady. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM = Number(process.env.BENCH_WARM_SECONDS ?? 2);
const LAT_SECONDS = Number(process.env.BENCH_LAT_SECONDS ?? 4);
/** A 4 s p99 hangs on a few scheduling incidents of the shared machine: five paired rounds keep the median steady. */
const LAT_ROUNDS = Number(process.env.BENCH_LAT_ROUNDS ?? 5);
/** Mirror budget of the "capped shadow" rows, copies per second per worker. */
const MIRROR_RATE = Number(process.env.BENCH_MIRROR_RATE ?? 250);
/**
 * Paced warm-up before each latency measurement. A process left idle while the other targets ran has closed its idle
 * upstream connections and V8 may have flushed cold code; one second was not enough to shake that off (the first
 * seconds after an idle spell showed p99 tens of ms higher than the next run of the same process).
 */
const LAT_WARM_SECONDS = Number(process.env.BENCH_LAT_WARM_SECONDS ?? 3);
/**
 * Siphon's worker processes. One by default: like for like with HAProxy's one thread (`startHaproxy`: two threads were
 * slower on two cores shared with wrk and nginx) and `siphon gateway start`'s own default. Two workers gave no better
 * median in the runs that chose this (docs/AREAS/gateway.md, "Shared client reads"); BENCH_WORKERS=2 runs them.
 */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const root = join(import.meta.dirname, '..');
const children: ChildProcess[] = [];

function own(c: ChildProcess): ChildProcess { children.push(c); return c; }
function stopAll(): void { for (const c of children) if (c.exitCode === null && c.pid) { try { c.kill('SIGTERM'); } catch { /* gone */ } } }
process.on('exit', stopAll);
process.on('SIGINT', () => { stopAll(); process.exit(130); });

/** A realistic table: a few specific routes before the catch-all, so matching does real work. */
function routes(mode: 'legacy' | 'shadow') {
  return [
    { id: 'customers', match: { methods: ['GET'], path: '/customers/:id' }, mode: { kind: 'legacy' }, userKey: { from: 'header', name: 'x-user' } },
    { id: 'invoices', match: { path: '/customers/:id/invoices/:invoice' }, mode: { kind: 'canary', percent: 0 } },
    { id: 'beta', match: { path: '/api/*', headers: [{ name: 'x-beta', equals: '1' }] }, mode: { kind: 'next' } },
    { id: 'all', match: { path: '/*' }, mode: { kind: mode } },
  ];
}

const ADMIN_TOKEN = 'bench-admin-token';

/** Mirror outcomes of one Siphon instance (sum over its workers), from its admin port's /metrics. */
async function mirrorOutcomes(adminPort: number): Promise<Record<string, number>> {
  const r = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const text = await r.text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^siphon_gateway_mirror_copies_total\{[^}]*result="([a-z_]+)"[^}]*\} ([\d.e+]+)$/gm)) {
    out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  }
  return out;
}

const sentShare = (o: Record<string, number>) => {
  const all = Object.values(o).reduce((a, b) => a + b, 0);
  return all === 0 ? NaN : (o.sent ?? 0) / all;
};

function startSiphon(dir: string, mode: 'legacy' | 'shadow', port: number, legacy: number, next: number, extra: string[] = []): ChildProcess {
  const file = join(dir, `routes-${mode}.json`);
  writeFileSync(file, JSON.stringify(routes(mode)));
  return own(spawn(process.execPath, [join(root, 'bin/siphon.js'), 'gateway', 'start', '--legacy-http', `http://127.0.0.1:${legacy}`,
    '--next-http', `http://127.0.0.1:${next}`, '--routes', file, '--port', String(port), '--workers', String(WORKERS), ...extra], {
    stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SIPHON_LOG_LEVEL: 'warn', SIPHON_ADMIN_TOKEN: ADMIN_TOKEN },
  }));
}

async function main(): Promise<void> {
  ensureTools();
  const dir = workDir();
  const [nginxL, nginxN, haproxy, fastify, siphon, shadow, capped, shadowAdmin, cappedAdmin] =
    await Promise.all(Array.from({ length: 9 }, freePort)) as number[];
  const nginxProc = own(startNginx(dir, [nginxL!, nginxN!]));
  const haproxyProc = own(startHaproxy(dir, haproxy!, nginxL!));
  const fastifyProc = own(spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/lib/fastify-proxy.ts'), String(fastify), `http://127.0.0.1:${nginxL}`],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  const siphonProc = startSiphon(dir, 'legacy', siphon!, nginxL!, nginxN!);
  const shadowProc = startSiphon(dir, 'shadow', shadow!, nginxL!, nginxN!, ['--admin-port', String(shadowAdmin)]);
  const cappedProc = startSiphon(dir, 'shadow', capped!, nginxL!, nginxN!, ['--mirror-rate', String(MIRROR_RATE), '--admin-port', String(cappedAdmin)]);
  const url = (p: number) => `http://127.0.0.1:${p}/customers/42/orders`;
  const configs = [
    { name: 'direct', url: url(nginxL!) },
    { name: 'haproxy', url: url(haproxy!) },
    { name: 'fastify', url: url(fastify!) },
    { name: 'siphon', url: url(siphon!) },
    { name: 'siphonShadow', url: url(shadow!) },
    { name: 'siphonShadowCapped', url: url(capped!) },
  ] as const;
  // three Siphon instances of two workers each, fastify and HAProxy start at once: on a loaded two-core machine that
  // took more than a minute (load average 30), so each gets three
  for (const u of configs.map((c) => c.url)) await waitForHttp(u, 180_000);
  console.log(`# gateway bench: ${ROUNDS} rounds × ${configs.length} configs, wrk -t1 -c64, ${WARM}s warm-up + ${SECONDS}s each; Siphon with ${WORKERS} workers`);

  // each server's own process tree, for its CPU per request (direct: nginx's)
  const procs: Record<string, number[]> = {
    direct: processTree(nginxProc.pid!), haproxy: processTree(haproxyProc.pid!), fastify: processTree(fastifyProc.pid!),
    siphon: processTree(siphonProc.pid!), siphonShadow: processTree(shadowProc.pid!), siphonShadowCapped: processTree(cappedProc.pid!),
  };
  const rps: Record<string, number[]> = Object.fromEntries(configs.map((c) => [c.name, []]));
  const satCpu: Record<string, number[]> = Object.fromEntries(configs.map((c) => [c.name, []]));
  const vsHaproxy: number[] = []; const vsFastify: number[] = []; const shadowVsHaproxy: number[] = []; const cappedVsHaproxy: number[] = [];
  const haproxyVsFastify: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const got: Record<string, number> = {};
    for (const c of configs) {
      wrk(c.url, WARM);
      const cpu0 = cpuMs(procs[c.name]!);
      const r = wrk(c.url, SECONDS);
      satCpu[c.name]!.push(((cpuMs(procs[c.name]!) - cpu0) * 1000) / (r.rps * SECONDS));
      if (r.errors > 0) console.log(`  ! ${c.name}: ${r.errors} errors`);
      got[c.name] = r.rps;
      rps[c.name]!.push(r.rps);
    }
    vsHaproxy.push(got.siphon! / got.haproxy!);
    vsFastify.push(got.siphon! / got.fastify!);
    haproxyVsFastify.push(got.haproxy! / got.fastify!);
    shadowVsHaproxy.push(got.siphonShadow! / got.haproxy!);
    cappedVsHaproxy.push(got.siphonShadowCapped! / got.haproxy!);
    console.log(`round ${round}: ` + configs.map((c) => `${c.name} ${got[c.name]!.toFixed(0)}`).join(', ') +
      ` | siphon/haproxy ${(got.siphon! / got.haproxy!).toFixed(2)}, siphon/fastify ${(got.siphon! / got.fastify!).toFixed(2)}`);
  }
  const med = Object.fromEntries(configs.map((c) => [c.name, median(rps[c.name]!)])) as Record<(typeof configs)[number]['name'], number>;
  console.log('median requests/s: ' + configs.map((c) => `${c.name} ${med[c.name].toFixed(0)}`).join(', '));
  console.log(`median paired ratios: siphon/haproxy ${median(vsHaproxy).toFixed(2)}, siphon/fastify ${median(vsFastify).toFixed(2)}, ` +
    `siphon shadow/haproxy ${median(shadowVsHaproxy).toFixed(2)}, capped shadow/haproxy ${median(cappedVsHaproxy).toFixed(2)}, haproxy/fastify ${median(haproxyVsFastify).toFixed(2)}`);

  const satUs = (name: string) => Math.round(median(satCpu[name]!) * 10) / 10;
  console.log('median CPU µs per request at saturation: ' + configs.map((c) => `${c.name === 'direct' ? 'nginx' : c.name} ${satUs(c.name)}`).join(', '));
  // What 2.5× fastify leaves a proxy: at that rate the cores' time per request, minus what wrk and nginx take (their
  // share measured direct, where they alone fill the cores). Kernel time included, as in the figures above.
  const cores = availableParallelism();
  const budgetUs = (cores / (2.5 * med.fastify) - cores / med.direct) * 1e6;
  console.log(`2.5× fastify = ${(2.5 * med.fastify).toFixed(0)} req/s leaves a proxy ${budgetUs.toFixed(1)} µs of CPU per request on ${cores} cores ` +
    `(wrk + nginx take ${(cores / med.direct * 1e6).toFixed(1)})`);

  const rate = Math.max(100, Math.round(med.siphon / 2));
  console.log(`# latency at a fixed ${rate} requests/s (half of Siphon's max), open loop, evenly paced, 32 connections; ` +
    `${LAT_ROUNDS} alternating rounds of ${LAT_SECONDS}s each, medians; differences and ratios paired within a round; ` +
    'cpu = the proxy\'s own CPU per answered request (/proc, all its processes and threads)');
  // shadow last in each round: what it leaves queued (mirror copies, diffs) must not land on another target
  const latencyTargets = [configs[0], configs[1], configs[3], configs[5], configs[4]];
  const p99: Record<string, number[]> = Object.fromEntries(latencyTargets.map((c) => [c.name, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(latencyTargets.map((c) => [c.name, []]));
  const added: number[] = []; const haproxyAdded: number[] = []; const shadowRatio: number[] = []; const cappedRatio: number[] = [];
  // copies a running gateway sent vs skipped (load shedding, budget) during the latency rounds only
  const before = { shadow: await mirrorOutcomes(shadowAdmin!), capped: await mirrorOutcomes(cappedAdmin!) };
  for (let round = 1; round <= LAT_ROUNDS; round++) {
    const got: Record<string, PacedResult> = {};
    for (const c of latencyTargets) {
      // let the previous target finish its leftovers (a shadow instance drains its mirror and diff queues)
      await new Promise((r) => setTimeout(r, 1500));
      await pacedLoad({ url: c.url, rate, durationMs: LAT_WARM_SECONDS * 1000, connections: 32 });
      const cpu0 = cpuMs(procs[c.name]!);
      const r = await pacedLoad({ url: c.url, rate, durationMs: LAT_SECONDS * 1000, connections: 32 });
      const cpuUs = ((cpuMs(procs[c.name]!) - cpu0) * 1000) / r.completed;
      got[c.name] = r;
      p99[c.name]!.push(r.p99Ms);
      cpu[c.name]!.push(cpuUs);
      console.log(`  round ${round} ${c.name.padEnd(20)} p50 ${r.p50Ms.toFixed(2)} ms  p90 ${r.p90Ms.toFixed(2)}  p99 ${r.p99Ms.toFixed(2)}` +
        `  p99.9 ${r.p999Ms.toFixed(2)}  max ${r.maxMs.toFixed(1)}  achieved ${r.achievedRps.toFixed(0)}/s  stalls ${r.stalls}` +
        `  errors ${r.errors + r.non2xx}  cpu ${cpuUs.toFixed(0)} µs/request`);
    }
    added.push(got.siphon!.p99Ms - got.direct!.p99Ms);
    haproxyAdded.push(got.haproxy!.p99Ms - got.direct!.p99Ms);
    shadowRatio.push(got.siphonShadow!.p99Ms / got.siphon!.p99Ms);
    cappedRatio.push(got.siphonShadowCapped!.p99Ms / got.siphon!.p99Ms);
  }
  const delta = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(a).map((k) => [k, a[k]! - (b[k] ?? 0)]));
  const shadowMirror = delta(await mirrorOutcomes(shadowAdmin!), before.shadow);
  const cappedMirror = delta(await mirrorOutcomes(cappedAdmin!), before.capped);
  console.log(`mirror copies during the latency rounds: shadow ${JSON.stringify(shadowMirror)}, capped ${JSON.stringify(cappedMirror)}`);
  stopAll();
  const m99 = (name: string) => median(p99[name]!);
  const mcpu = (name: string) => Math.round(median(cpu[name]!));
  console.log('median p99 ms: ' + latencyTargets.map((c) => `${c.name} ${m99(c.name).toFixed(2)}`).join(', ') +
    ` | paired: added ${median(added).toFixed(2)} ms (HAProxy ${median(haproxyAdded).toFixed(2)}), shadow/off ${median(shadowRatio).toFixed(2)}, ` +
    `capped/off ${median(cappedRatio).toFixed(2)}`);
  console.log('median CPU µs per request at that rate: ' + latencyTargets.map((c) => `${c.name === 'direct' ? 'nginx' : c.name} ${mcpu(c.name)}`).join(', '));
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const result = {
    directRps: Math.round(med.direct), haproxyRps: Math.round(med.haproxy), fastifyRps: Math.round(med.fastify),
    siphonRps: Math.round(med.siphon), siphonShadowRps: Math.round(med.siphonShadow),
    siphonShadowCappedRps: Math.round(med.siphonShadowCapped),
    ratioVsHaproxy: r2(median(vsHaproxy)), ratioVsFastify: r2(median(vsFastify)), haproxyRatioVsFastify: r2(median(haproxyVsFastify)),
    cpuUsPerRequestSaturated: Object.fromEntries(configs.map((c) => [c.name === 'direct' ? 'nginx' : c.name, satUs(c.name)])),
    proxyCpuBudgetUsForFastifyGoal: Math.round(budgetUs * 10) / 10,
    halfLoadRate: rate,
    directP99MsHalfLoad: r2(m99('direct')), haproxyP99MsHalfLoad: r2(m99('haproxy')),
    siphonP99MsHalfLoad: r2(m99('siphon')), addedP99MsHalfLoad: r2(median(added)), haproxyAddedP99MsHalfLoad: r2(median(haproxyAdded)),
    shadowOffP99MsHalfLoad: r2(m99('siphon')), shadowOnP99MsHalfLoad: r2(m99('siphonShadow')),
    shadowP99Ratio: r2(median(shadowRatio)), shadowMirroredShareHalfLoad: r2(sentShare(shadowMirror)),
    mirrorRateCap: MIRROR_RATE * WORKERS,
    shadowCappedP99MsHalfLoad: r2(m99('siphonShadowCapped')), shadowCappedP99Ratio: r2(median(cappedRatio)),
    shadowCappedMirroredShareHalfLoad: r2(sentShare(cappedMirror)),
    cpuUsPerRequestHalfLoad: { nginx: mcpu('direct'), haproxy: mcpu('haproxy'), siphon: mcpu('siphon'),
      siphonShadow: mcpu('siphonShadow'), siphonShadowCapped: mcpu('siphonShadowCapped') },
    workers: WORKERS, rounds: ROUNDS, latencyRounds: LAT_ROUNDS,
  };
  console.log(JSON.stringify(result));
}

main().then(() => process.exit(0), (e: Error) => { console.error(e.stack ?? String(e)); stopAll(); process.exit(1); });
