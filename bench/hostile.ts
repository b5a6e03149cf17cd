// npm run bench:hostile — normal users' latency and success rate while slow-body and non-reading clients attack,
// Siphon's gateway against HAProxy in the same run, same upstream (nginx), same timeouts (issue 15).
//
// Per round: N slow-body and N non-reading attackers (each kind from its own loopback address, replaced as the proxy
// closes them) are started against one proxy; after a ramp, normal users (the paced C generator, open loop, from
// 127.0.0.1) send a modest fixed rate of GETs for BENCH_SECONDS; then the attackers stop. Proxies alternate per round.
// Each proxy first gets one unmeasured warm-up round without attackers (a cold Node process's first seconds — JIT,
// first connections — showed a p99 of 2.6 s that had nothing to do with the attack).
// Env: BENCH_SIPHON_DIR (another checkout's gateway, for before/after), BENCH_SIPHON_NODE_FLAGS (default: the gateway's own, '' for none), BENCH_ROUNDS (3), BENCH_SECONDS (15), BENCH_RATE (200), BENCH_ATTACKERS ("200,1000"), BENCH_BIG_MB (64: this machine's tcp_rmem max is 32 MB, a smaller body never stalls).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attack } from './lib/attackers.js';
import { missingNodeFlags } from '../bin/node-flags.js';
import { pacedLoad, type PacedResult } from './lib/paced.js';
import { ensureTools, freePort, median, oneKbJson, startHaproxy, waitForHttp, workDir } from './lib/tools.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const ATTACKERS = (process.env.BENCH_ATTACKERS ?? '200,1000').split(',').map(Number);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 64);
const RAMP_MS = 4000;
/** The timeouts both proxies get (HAProxy's names in comments). */
const T = { clientHeadersMs: 20_000 /* http-request */, clientIdleMs: 30_000 /* client */, upstreamMs: 30_000 /* server */, connectMs: 5000 };
const root = join(import.meta.dirname, '..');

const children: ChildProcess[] = [];
const own = (c: ChildProcess): ChildProcess => { children.push(c); return c; };
function stopAll(): void { for (const c of children) if (c.exitCode === null && c.pid) { try { c.kill('SIGTERM'); } catch { /* gone */ } } }

function startNginx(dir: string, port: number): ChildProcess {
  writeFileSync(join(dir, 'doc.json'), oneKbJson());
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(BIG_MB * 1024 * 1024, 120));
  writeFileSync(join(dir, 'nginx.conf'), `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/nginx.err warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 60s; sendfile on; tcp_nodelay on;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; root ${dir};
    location = /big { default_type application/octet-stream; try_files /big.bin =404; }
    location = /upload { return 204; }
    location / { default_type application/json; try_files /doc.json =404; } } }
`);
  return own(spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' }));
}

function startHaproxyPeer(dir: string, port: number, upstream: number): ChildProcess {
  // no per-server maxconn (HAProxy's default): it opens as many upstream connections as clients need
  return own(startHaproxy(dir, port, upstream, {
    maxconn: 9000, connectMs: T.connectMs, httpRequestMs: T.clientHeadersMs, clientMs: T.clientIdleMs, serverMs: T.upstreamMs, serverMaxconn: null,
  }));
}

function startSiphon(port: number, upstream: number): ChildProcess {
  // the gateway's defaults (defences on) with the same timeouts as HAProxy's
  const settings = { timeouts: { clientHeadersMs: T.clientHeadersMs, clientBodyIdleMs: T.clientIdleMs, clientSendMs: T.clientIdleMs,
    upstreamHeadersMs: T.upstreamMs, upstreamBodyMs: T.upstreamMs } };
  // BENCH_SIPHON_DIR: the gateway of another checkout (a `git archive` of an older commit, with this runner copied in)
  const dir = process.env.BENCH_SIPHON_DIR ?? root;
  // the flags `siphon gateway start` runs its process with (bin/node-flags.js), so that the bench measures
  // what users run; BENCH_SIPHON_NODE_FLAGS replaces them ('' for none: the before/after of a flag)
  const flags = (process.env.BENCH_SIPHON_NODE_FLAGS ?? missingNodeFlags('gateway', [], '').join(' ')).split(/\s+/).filter(Boolean);
  return own(spawn(process.execPath, [...flags, '--import', 'tsx', join(dir, 'bench/lib/hostile-siphon.ts'), String(port),
    `http://127.0.0.1:${upstream}`, JSON.stringify(settings)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SIPHON_LOG_LEVEL: 'error' } }));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const success = (r: PacedResult): number => (r.sent === 0 ? NaN : (r.completed - r.non2xx) / r.sent);
const r2 = (x: number): number => Math.round(x * 100) / 100;
const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;

interface Row { proxy: 'siphon' | 'haproxy'; n: number; result: PacedResult; replaced: number }

async function round(proxy: Row['proxy'], port: number, n: number): Promise<Row> {
  const slow = attack('slow-body', port, n, '127.0.0.2', '/big');
  const stall = attack('non-reading', port, n, '127.0.0.3', '/big');
  await sleep(n > 0 ? RAMP_MS : 200);
  const result = await pacedLoad({ url: `http://127.0.0.1:${port}/`, rate: RATE, durationMs: SECONDS * 1000, connections: 16 });
  const replaced = slow.closedByProxy + stall.closedByProxy;
  slow.stop();
  stall.stop();
  await sleep(1500); // let both sides close what the attackers held
  return { proxy, n, result, replaced };
}

async function main(): Promise<void> {
  ensureTools();
  const dir = workDir();
  const [nginxPort, haproxyPort, siphonPort] = [await freePort(), await freePort(), await freePort()];
  startNginx(dir, nginxPort!);
  startHaproxyPeer(dir, haproxyPort!, nginxPort!);
  startSiphon(siphonPort!, nginxPort!);
  for (const [name, p] of [['nginx', nginxPort], ['haproxy', haproxyPort], ['siphon', siphonPort]] as const) {
    await waitForHttp(`http://127.0.0.1:${p}/`).catch((e: Error) => { throw new Error(`${name}: ${e.message}`); });
  }
  console.log(`normal users: ${RATE} req/s for ${SECONDS} s per round (paced, open loop, 16 connections); attackers per kind: ` +
    `${ATTACKERS.join(', ')} (slow-body from 127.0.0.2, non-reading of a ${BIG_MB} MB body from 127.0.0.3); ${ROUNDS} rounds each`);
  for (const [proxy, port] of [['siphon', siphonPort], ['haproxy', haproxyPort]] as const) {
    const w = await round(proxy, port!, 0);
    console.log(`warm-up ${proxy}: p50 ${w.result.p50Ms.toFixed(2)} ms, p99 ${w.result.p99Ms.toFixed(2)} ms (no attackers, not counted)`);
  }
  const rows: Row[] = [];
  for (const n of ATTACKERS) {
    for (let r = 0; r < ROUNDS; r++) {
      const order: Row['proxy'][] = r % 2 === 0 ? ['siphon', 'haproxy'] : ['haproxy', 'siphon'];
      for (const proxy of order) {
        const row = await round(proxy, proxy === 'siphon' ? siphonPort! : haproxyPort!, n);
        rows.push(row);
        const x = row.result;
        console.log(`N=${n} round ${r + 1} ${proxy.padEnd(7)}: success ${(success(x) * 100).toFixed(2)}% ` +
          `(${x.completed - x.non2xx}/${x.sent}, non-2xx ${x.non2xx}, errors ${x.errors}), p50 ${x.p50Ms.toFixed(2)} ms, ` +
          `p99 ${x.p99Ms.toFixed(2)} ms, attackers replaced ${row.replaced}`);
      }
    }
  }
  const summary = ATTACKERS.map((n) => {
    const of = (p: Row['proxy']) => rows.filter((x) => x.n === n && x.proxy === p).map((x) => x.result);
    const s = of('siphon'); const h = of('haproxy');
    const out = {
      attackers: n,
      siphonNormalSuccess: r4(Math.min(...s.map(success))), haproxyNormalSuccess: r4(Math.min(...h.map(success))),
      siphonNormalP50Ms: r2(median(s.map((x) => x.p50Ms))), haproxyNormalP50Ms: r2(median(h.map((x) => x.p50Ms))),
      siphonNormalP99Ms: r2(median(s.map((x) => x.p99Ms))), haproxyNormalP99Ms: r2(median(h.map((x) => x.p99Ms))),
    };
    console.log(`N=${n}: success (worst round) siphon ${(out.siphonNormalSuccess * 100).toFixed(2)}%, haproxy ` +
      `${(out.haproxyNormalSuccess * 100).toFixed(2)}%; p99 (median) siphon ${out.siphonNormalP99Ms} ms, haproxy ` +
      `${out.haproxyNormalP99Ms} ms, ratio ${r2(out.siphonNormalP99Ms / out.haproxyNormalP99Ms)}; p50 ${out.siphonNormalP50Ms} / ${out.haproxyNormalP50Ms} ms`);
    return out;
  });
  const worst = summary[summary.length - 1]!; // the largest N
  console.log(JSON.stringify({
    ...worst, attackersPerKind: worst.attackers, attackerKinds: ['slow-body', 'non-reading'], normalRate: RATE,
    p99RatioVsHaproxy: r2(worst.siphonNormalP99Ms / worst.haproxyNormalP99Ms), rounds: ROUNDS, byAttackers: summary,
  }));
}

main().then(() => { stopAll(); process.exit(0); }, (e: unknown) => { console.error(e); stopAll(); process.exit(1); });
