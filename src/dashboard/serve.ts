import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboard, type Dashboard, type DashboardOptions } from './handler.js';

/**
 * The dashboard on a port of its own, for a process that runs no admin API (the demo, tests). The admin API mounts
 * `createDashboard(...).handle` on its own listener instead.
 */
export interface DashboardServer {
  readonly dashboard: Dashboard;
  readonly server: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function serveDashboard(opts: DashboardOptions): DashboardServer {
  const dashboard = createDashboard(opts);
  const server = createServer((req, res) => {
    if (dashboard.handle(req, res)) return;
    if ((req.url ?? '/') === '/') { res.writeHead(302, { location: `${opts.base ?? '/dashboard'}/` }); res.end(); return; }
    res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return {
    dashboard,
    server,
    listen: (port, host = '127.0.0.1') => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server.address() as AddressInfo));
    }),
    async close() {
      dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
