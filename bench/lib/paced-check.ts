// npm run bench:paced — checks the paced latency generator itself, so bench:gateway's figures can be trusted:
// 1. against nginx direct (1 KB JSON) at PACED_RATE (10,000/s) with 32 connections, the C generator and the Node
//    (undici) one alternately: p50/p99 and the generator's own CPU (utime + stime from /proc/<pid>/stat, sampled
//    while it runs, against the wall time: the share of one core it took from the proxy under test);
// 2. against a node:http server that answers 1 request in 100 after 50 ms: p99 must show ~50 ms.
// Env: PACED_RATE (10000), PACED_SECONDS (5), PACED_ROUNDS (2).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { ensurePacedBinary } from './paced-bin.js';
import { pacedLoadNode } from './paced-node.js';
import type { PacedOptions, PacedResult } from './paced.js';
import { runPacedBinary } from './paced.js';
import { ensureTools, median, startNginx, waitForHttp, workDir } from './tools.js';

const RATE = Number(process.env.PACED_RATE ?? 10_000);
const SECONDS = Number(process.env.PACED_SECONDS ?? 5);
const ROUNDS = Number(process.env.PACED_ROUNDS ?? 2);
const TICKS_PER_SECOND = 100; // USER_HZ, the unit of utime/stime in /proc/<pid>/stat on Linux

/** utime + stime of a process in ms, or undefined once it is gone. */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on; the name may hold spaces
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
  } catch { return undefined; }
}

/** The C generator in its own process, its CPU read from /proc every 20 ms while it runs. */
async function cRun(bin: string, o: PacedOptions): Promise<{ r: PacedResult; procCpuMs: number; wallMs: number }> {
  const t0 = performance.now();
  let procCpuMs = 0;
  const sampler = setInterval(() => { const c = pid !== undefined ? cpuMsOf(pid) : undefined; if (c !== undefined) procCpuMs = c; }, 20);
  let pid: number | undefined;
  const r = await runPacedBinary(bin, o, (p) => { pid = p; });
  clearInterval(sampler);
  return { r, procCpuMs, wallMs: performance.now() - t0 };
}

async function nodeRun(o: PacedOptions): Promise<{ r: PacedResult; cpuMs: number; wallMs: number }> {
  const t0 = performance.now(); const c0 = process.cpuUsage();
  const r = await pacedLoadNode(o);
  const c = process.cpuUsage(c0);
  return { r, cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 };
}

const fmt = (r: PacedResult) => `p50 ${r.p50Ms.toFixed(3)} ms  p90 ${r.p90Ms.toFixed(3)}  p99 ${r.p99Ms.toFixed(3)}  p99.9 ${r.p999Ms.toFixed(2)}` +
  `  max ${r.maxMs.toFixed(2)}  achieved ${r.achievedRps.toFixed(0)}/s  stalls ${r.stalls}  errors ${r.errors + r.non2xx}`;

async function main(): Promise<void> {
  ensureTools();
  const bin = ensurePacedBinary();
  if (!bin) throw new Error('the C generator did not compile');
  const dir = workDir();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const nginx = startNginx(dir, [port]);
  process.on('exit', () => nginx.kill('SIGTERM'));
  const url = `http://127.0.0.1:${port}/customers/42/orders`;
  await waitForHttp(url);
  console.log(`# paced generator check: ${RATE}/s, 32 connections, ${SECONDS}s, ${ROUNDS} rounds; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const o = { url, rate: RATE, durationMs: SECONDS * 1000, connections: 32 };
  const c: { p50: number[]; p99: number[]; share: number[] } = { p50: [], p99: [], share: [] };
  const n: { p50: number[]; p99: number[]; share: number[] } = { p50: [], p99: [], share: [] };
  await runPacedBinary(bin, { ...o, durationMs: 1000 }); // warm nginx up
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await cRun(bin, o);
    c.p50.push(a.r.p50Ms); c.p99.push(a.r.p99Ms); c.share.push(a.procCpuMs / a.wallMs);
    console.log(`  round ${round} C     ${fmt(a.r)}  cpu ${a.procCpuMs.toFixed(0)} ms (/proc; own getrusage ${a.r.generatorCpuMs?.toFixed(0)}) = ${(100 * a.procCpuMs / a.wallMs).toFixed(0)}% of a core`);
    const b = await nodeRun(o);
    n.p50.push(b.r.p50Ms); n.p99.push(b.r.p99Ms); n.share.push(b.cpuMs / b.wallMs);
    console.log(`  round ${round} node  ${fmt(b.r)}  cpu ${b.cpuMs.toFixed(0)} ms (process.cpuUsage) = ${(100 * b.cpuMs / b.wallMs).toFixed(0)}% of a core`);
  }

  // a server whose every 100th answer takes 50 ms: the generator must show it in p99
  let count = 0;
  const slow = createServer((req, res) => {
    const send = () => res.end('{"ok":true}');
    if (++count % 100 === 0) setTimeout(send, 50); else send();
  }).listen(0, '127.0.0.1');
  await once(slow, 'listening');
  const slowUrl = `http://127.0.0.1:${(slow.address() as { port: number }).port}/`;
  const s = await runPacedBinary(bin, { url: slowUrl, rate: 1000, durationMs: SECONDS * 1000, connections: 32 });
  console.log(`  slow server (1 in 100 answers after 50 ms) at 1000/s: ${fmt(s)}`);
  slow.close();
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({
    rate: RATE, cP50Ms: r3(median(c.p50)), cP99Ms: r3(median(c.p99)), cCpuShare: r3(median(c.share)),
    nodeP50Ms: r3(median(n.p50)), nodeP99Ms: r3(median(n.p99)), nodeCpuShare: r3(median(n.share)),
    slowP50Ms: r3(s.p50Ms), slowP99Ms: r3(s.p99Ms), load1: r3(loadavg()[0]!),
  }));
}

main().then(() => process.exit(0), (e: Error) => { console.error(e.stack ?? String(e)); process.exit(1); });
