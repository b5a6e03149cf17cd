import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderMetrics } from '../../observe/metrics.js';
import { HealthListenError } from './errors.js';
import type { SupervisorStatus } from './supervisor.js';

export interface HealthServerOptions {
  readonly status: () => SupervisorStatus;
  /** Prometheus text; default: this process's registry. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
}

export interface HealthServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/**
 * The metrics/health port of `siphon start`: `/healthz` (200 while the process is alive and not stopped: liveness),
 * `/readyz` (200 only when every component runs and is ready and the process is not draining: readiness, what a load
 * balancer follows; `?component=NAME` judges only the named ones), `/status` (components, failures, last error, next retry: JSON) and `/metrics` (Prometheus).
 * No token: it carries no secret and changes nothing (errors in /status are redacted); bind it to a private address.
 * Operator actions go through the admin API on its own port.
 */
export function createHealthServer(o: HealthServerOptions): HealthServer {
  const json = (res: import('node:http').ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body) + '\n');
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }); res.end(); return; }
    switch (path) {
      case '/healthz': {
        const s = o.status();
        json(res, s.state === 'stopped' ? 503 : 200, { alive: s.state !== 'stopped', state: s.state });
        return;
      }
      case '/readyz': {
        const s = o.status();
        // `?component=gateway` (repeatable): readiness of those alone, for a load balancer in front of a process that
        // also runs the migration: a restarting migration must not take a healthy gateway out of rotation
        const only = new URL(req.url ?? '/', 'http://x').searchParams.getAll('component');
        const unknown = only.filter((n) => !s.components.some((c) => c.name === n));
        if (unknown.length > 0) { json(res, 400, { error: `no component named ${unknown.join(', ')}`, components: s.components.map((c) => c.name) }); return; }
        const judged = only.length > 0 ? s.components.filter((c) => only.includes(c.name)) : s.components;
        const ready = (s.state === 'running') && judged.every((c) => c.ready);
        json(res, ready ? 200 : 503, {
          ready, state: s.state,
          components: Object.fromEntries(judged.map((c) => [c.name, c.ready ? 'ready' : c.state])),
        });
        return;
      }
      case '/status': json(res, 200, o.status()); return;
      case '/metrics':
        (o.metrics ?? renderMetrics)().then(({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType });
          res.end(body);
        }, (e: Error) => { res.writeHead(500, { 'content-type': 'text/plain' }); res.end(`metrics failed: ${e.message}\n`); });
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /healthz, /readyz, /status or /metrics\n');
    }
  });
  // probes and scrapes are short: a keep-alive connection must not hold the process open at shutdown
  server.keepAliveTimeout = 1000;
  return {
    server,
    listen: (port, host) => new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => reject(new HealthListenError(host, port, e));
      server.once('error', onError);
      server.listen(port, host, () => { server.off('error', onError); resolve(server.address() as AddressInfo); });
    }),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
