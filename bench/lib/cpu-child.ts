// Child process of bench/lib/cpu-per-request.ts: one proxy (Siphon legacy/shadow, or a bare undici-dispatch proxy)
// that counts answered requests and reports its own process.cpuUsage() between 'start' and 'stop' messages, so the
// load generator's CPU never enters the figure.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { DiffSink } from '../../src/gateway/diff/diff-sink.js';
import { createGateway } from '../../src/gateway/server.js';
import { createLogger } from '../../src/observe/logger.js';
import type { RouteSpec } from '../../src/gateway/routing/route.js';

const [kind, portText, legacyText, nextText] = process.argv.slice(2) as [string, string, string, string];
const port = Number(portText);
let answered = 0;

function routes(mode: 'legacy' | 'shadow'): RouteSpec[] {
  return [
    { id: 'customers', match: { methods: ['GET'], path: '/customers/:id' }, mode: { kind: 'legacy' }, userKey: { from: 'header', name: 'x-user' } },
    { id: 'invoices', match: { path: '/customers/:id/invoices/:invoice' }, mode: { kind: 'canary', percent: 0 } },
    { id: 'beta', match: { path: '/api/*', headers: [{ name: 'x-beta', equals: '1' }] }, mode: { kind: 'next' } },
    { id: 'all', match: { path: '/*' }, mode: { kind: mode } },
  ] as unknown as RouteSpec[];
}

async function start(): Promise<void> {
  if (kind === 'bare') {
    const pool = new Pool(`http://127.0.0.1:${legacyText}`, { connections: 128, pipelining: 1 });
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const headers: string[] = req.rawHeaders.slice();
      const h: Dispatcher.DispatchHandler = {
        onConnect: () => {},
        onHeaders: (status, raw) => { const out: string[] = []; for (const b of raw) out.push(b.toString('latin1')); res.writeHead(status, out); return true; },
        onData: (c) => res.write(c),
        onComplete: () => { res.end(); answered++; },
        onError: () => { res.destroy(); },
      };
      pool.dispatch({ method: req.method as Dispatcher.HttpMethod, path: req.url!, headers, body: null }, h);
    });
    server.listen(port, '127.0.0.1');
    return;
  }
  const mode = kind === 'shadow' ? 'shadow' : 'legacy';
  const log = createLogger('gateway');
  const sink = mode === 'shadow' ? new DiffSink({ logger: log }) : undefined;
  const gw = createGateway({
    legacy: `http://127.0.0.1:${legacyText}`, next: `http://127.0.0.1:${nextText}`, routes: routes(mode), ...(sink ? { sink } : {}),
  }, log);
  countAnswered = async () => (await gw.metrics.requests.get()).values.reduce((a, v) => a + v.value, 0);
  await gw.listen(port);
}

/** Siphon counts its answers in its own metrics (its server has no per-request event to hook). */
let countAnswered = async (): Promise<number> => answered;
let t0 = process.cpuUsage();
let n0 = 0;
process.on('message', (m: string) => {
  if (m === 'start') { t0 = process.cpuUsage(); void countAnswered().then((n) => { n0 = n; process.send!('started'); }); }
  else if (m === 'stop') {
    const d = process.cpuUsage(t0);
    void countAnswered().then((n) => process.send!(JSON.stringify({ requests: n - n0, userUs: d.user, systemUs: d.system })));
  }
});
process.on('SIGTERM', () => process.exit(0)); // lets --cpu-prof write its profile
void start().then(() => process.send!('ready'));
