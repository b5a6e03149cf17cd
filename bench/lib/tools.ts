import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Installs wrk, haproxy and nginx from Debian when missing (idempotent). */
export function ensureTools(): void {
  const missing = ['wrk', 'haproxy', 'nginx'].filter((t) => {
    try { execFileSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`], { stdio: 'ignore' }); return false; } catch { return true; }
  });
  if (missing.length === 0) return;
  console.error(`installing ${missing.join(', ')} (apt-get)…`);
  execFileSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

export const workDir = (): string => mkdtempSync(join(tmpdir(), 'siphon-bench-'));

/** A fixed 1 KB JSON document. */
export function oneKbJson(): string {
  const items = Array.from({ length: 12 }, (_, i) => ({ id: 1000 + i, name: `item-${i}`, price: '19.90', qty: i + 1 }));
  let doc = JSON.stringify({ customer: 42, currency: 'EUR', items });
  doc = JSON.stringify({ customer: 42, currency: 'EUR', items, pad: 'x'.repeat(Math.max(0, 1024 - doc.length - 10)) });
  return doc;
}

/** nginx (one worker) serving the 1 KB JSON on two ports (legacy and next). */
export function startNginx(dir: string, ports: readonly number[]): ChildProcess {
  writeFileSync(join(dir, 'doc.json'), oneKbJson());
  const servers = ports.map((p) => `server { listen 127.0.0.1:${p}; root ${dir}; location / { default_type application/json; try_files /doc.json =404; } }`).join('\n');
  writeFileSync(join(dir, 'nginx.conf'), `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/nginx.err warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 60s; sendfile on; tcp_nodelay on;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  ${servers} }
`);
  return spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
}

/** Timeouts and limits of the HAProxy peer; the defaults are the throughput bench's. */
export interface HaproxyOptions {
  readonly maxconn?: number;
  readonly connectMs?: number;
  /** `timeout http-request` (slow heads and bodies); absent: HAProxy's default (client timeout). */
  readonly httpRequestMs?: number;
  readonly clientMs?: number;
  readonly serverMs?: number;
  /** Per-server connection cap; null: none (as many upstream connections as clients need). */
  readonly serverMaxconn?: number | null;
}

/** HAProxy with one thread (two were slower on a two-core machine shared with the load generator). */
export function startHaproxy(dir: string, port: number, upstreamPort: number, o: HaproxyOptions = {}): ChildProcess {
  const serverMaxconn = o.serverMaxconn === undefined ? 256 : o.serverMaxconn;
  writeFileSync(join(dir, 'haproxy.cfg'), `global
  nbthread 1
  maxconn ${o.maxconn ?? 4000}
defaults
  mode http
  timeout connect ${o.connectMs ?? 5000}ms
${o.httpRequestMs !== undefined ? `  timeout http-request ${o.httpRequestMs}ms\n` : ''}  timeout client ${o.clientMs ?? 30_000}ms
  timeout server ${o.serverMs ?? 30_000}ms
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server s1 127.0.0.1:${upstreamPort}${serverMaxconn === null ? '' : ` maxconn ${serverMaxconn}`}
`);
  return spawn('haproxy', ['-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
}

export interface WrkResult { readonly rps: number; readonly p99Ms: number; readonly errors: number }

/** wrk, one thread, `connections` connections; requests/s and wrk's own (closed-loop) p99. */
export function wrk(url: string, seconds: number, connections = 64): WrkResult {
  const out = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99Ms = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  const err = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = (err ? Number(err[1]) : 0) + (sock ? sock.slice(1).reduce((s, x) => s + Number(x), 0) : 0);
  return { rps, p99Ms, errors };
}

export async function waitForHttp(url: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try { const r = await fetch(url); await r.arrayBuffer(); if (r.status < 500) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
