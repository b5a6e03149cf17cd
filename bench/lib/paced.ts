import { spawn } from 'node:child_process';
import { ensurePacedBinary } from './paced-bin.js';
import { pacedLoadNode } from './paced-node.js';

/**
 * Open-loop, evenly paced HTTP load (the wrk2 idea): request i is due at t0 + i/rate whatever happened to earlier
 * ones, and its latency is measured from that due time, so a stalled server is charged for the requests it held
 * back (no coordinated omission). Runs bench/lib/paced.c (one epoll thread, µs pacing, a small fraction of a core at
 * 10k req/s) compiled on first use; the Node generator in paced-node.ts is the fallback when compiling fails, or
 * when SIPHON_PACED=node asks for it.
 */
export interface PacedOptions {
  readonly url: string;
  readonly rate: number;
  readonly durationMs: number;
  readonly connections: number;
}

export interface PacedResult {
  readonly rate: number;
  readonly sent: number;
  readonly completed: number;
  /** Connect/read/write failures, malformed answers, and requests unanswered 10 s after the last one was due. */
  readonly errors: number;
  readonly non2xx: number;
  /** Requests that left more than 5 ms after their due time (generator or connections saturated). */
  readonly stalls: number;
  readonly achievedRps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** CPU time (user + system) the generator itself used, when it runs in its own process (the C one). */
  readonly generatorCpuMs?: number;
}

/**
 * A wake-up also sends the requests due within this many µs (each measured from when it actually left, so never
 * under-counted): every sleep and wake costs the generator ~10–20 µs of CPU on this VM, and sleeping once per
 * request at 10k/s took half a core (see docs/AREAS/gateway.md, Benchmark). 0 = every request at its exact due time.
 */
const COALESCE_US = Number(process.env.SIPHON_PACED_COALESCE_US ?? 500);
/** Requests still unanswered this long after the last one was due count as errors. */
const DRAIN_MS = 10_000;

export async function pacedLoad(o: PacedOptions): Promise<PacedResult> {
  const bin = process.env.SIPHON_PACED === 'node' ? null : ensurePacedBinary();
  return bin ? runPacedBinary(bin, o) : pacedLoadNode(o);
}

/**
 * Runs the C generator and parses its one JSON line (null stands for NaN: no completed request). `onSpawn` gets the
 * child's pid (bench:paced reads its CPU from /proc while it runs).
 */
export async function runPacedBinary(bin: string, o: PacedOptions, onSpawn?: (pid: number) => void): Promise<PacedResult> {
  const args = [o.url, o.rate, o.durationMs, o.connections, DRAIN_MS, COALESCE_US].map(String);
  const child = spawn(bin, args,
    { stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.pid !== undefined) onSpawn?.(child.pid);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`${bin} exited with ${code}: ${out.trim() || 'no output'}`);
  const j = JSON.parse(line, (_k, v: unknown) => (v === null ? NaN : v)) as Record<string, number>;
  return {
    rate: j.rate!, sent: j.sent!, completed: j.completed!, errors: j.errors!, non2xx: j.non2xx!, stalls: j.stalls!,
    achievedRps: j.achievedRps!, p50Ms: j.p50Ms!, p90Ms: j.p90Ms!, p99Ms: j.p99Ms!, p999Ms: j.p999Ms!, maxMs: j.maxMs!,
    generatorCpuMs: j.cpuMs!,
  };
}
