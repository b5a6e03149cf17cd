import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenVerifier } from '../control/admin/tokens.js';
import { renderMetrics } from '../observe/metrics.js';

export interface AdminOptions {
  /** Bearer token required on every endpoint but /healthz. */
  readonly token: string;
  /** Metrics text; default: this process's registry. In cluster mode: the aggregated workers' metrics. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Extra JSON status (route table version, in-flight...) for GET /status. */
  readonly status?: () => unknown;
}


/** The gateway's admin port: GET /metrics (Prometheus text) and GET /status with a bearer token, GET /healthz open. */
export function createAdminServer(opts: AdminOptions): { server: Server; listen(port: number, host?: string): Promise<AddressInfo>; close(): Promise<void> } {
  // the control plane's verifier: constant time, whatever the length of the token sent
  const verifier = new TokenVerifier([{ role: 'read-only', identity: 'gateway-admin', token: opts.token }]);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok\n'); return; }
    if (!verifier.verify(req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
      res.end('a bearer token is required (Authorization: Bearer <token>)\n');
      return;
    }
    if (req.method !== 'GET') { res.writeHead(405, { allow: 'GET' }); res.end(); return; }
    if (path === '/metrics') {
      (opts.metrics ?? renderMetrics)().then(({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
      }, (e: Error) => { res.writeHead(500, { 'content-type': 'text/plain' }); res.end(`metrics failed: ${e.message}\n`); });
      return;
    }
    if (path === '/status' && opts.status) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(opts.status()));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /status or /healthz\n');
  });
  return {
    server,
    listen: (port, host = '127.0.0.1') => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(server.address() as AddressInfo); });
    }),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
