/**
 * The HTTP server both billing apps share: routing, JSON, request ids, errors, the admin endpoint and the fault
 * switches. Each app brings its repository (legacy schema or next schema).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { AddressRequest, PaymentRequest } from '../contract.js';
import type { BillingRepo } from './repo.js';
import { HttpError } from './repo.js';
import { Router } from './router.js';
import type { Faults } from './faults.js';
import { FaultsError, parseFaults } from './faults.js';
import { applyDataFaults } from './data-faults.js';
import { Prng } from '../generate/prng.js';

export interface BillingServerOptions {
  readonly app: 'legacy' | 'next';
  readonly repo: BillingRepo;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly faults?: Faults;
  /** Bearer token of the admin endpoint (/_admin/faults); the endpoint answers 404 when absent. */
  readonly adminToken?: string;
}

export interface RunningApp {
  readonly url: string;
  readonly port: number;
  /** Current fault switches. */
  faults(): Faults;
  setFaults(faults: Faults): void;
  close(): Promise<void>;
}

interface Ctx { params: Record<string, string>; body: unknown; dryRun: boolean; query: URLSearchParams }
type Handler = (ctx: Ctx) => Promise<{ status: number; body: Record<string, unknown> }>;

const MAX_BODY = 64 * 1024;

const idParam = (v: string | undefined, what: string): number => {
  if (!v || !/^\d{1,15}$/.test(v) || Number(v) <= 0) throw new HttpError(400, 'bad-request', `${what} must be a positive integer, got "${v ?? ''}"`);
  return Number(v);
};

function parseBody<T>(schema: { safeParse(x: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } } }, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, 'bad-request', r.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

function routes(repo: BillingRepo, app: string): Router<Handler> {
  const r = new Router<Handler>();
  r.add('GET', '/health', async () => { await repo.ping(); return { status: 200, body: { status: 'ok', app } }; });
  r.add('GET', '/customers/:id', async ({ params }) => {
    const c = await repo.getCustomer(idParam(params.id, 'customer id'));
    if (!c) throw new HttpError(404, 'not-found', `customer ${params.id} not found`);
    return { status: 200, body: { customer: c } };
  });
  r.add('GET', '/customers/:id/invoices', async ({ params }) => {
    const id = idParam(params.id, 'customer id');
    const list = await repo.listInvoices(id);
    if (!list) throw new HttpError(404, 'not-found', `customer ${params.id} not found`);
    return { status: 200, body: { customerId: id, invoices: list, count: list.length } };
  });
  r.add('GET', '/invoices/:num', async ({ params }) => {
    const inv = await repo.getInvoice(idParam(params.num, 'invoice number'));
    if (!inv) throw new HttpError(404, 'not-found', `invoice ${params.num} not found`);
    return { status: 200, body: { invoice: inv } };
  });
  r.add('POST', '/customers/:id/payments', async ({ params, body, dryRun }) => {
    const id = idParam(params.id, 'customer id');
    const req = parseBody(PaymentRequest, body);
    const res = await repo.recordPayment(id, req, { dryRun });
    return { status: 201, body: { payment: res.payment, invoiceStatus: res.invoiceStatus } };
  });
  r.add('PUT', '/customers/:id/address', async ({ params, body, dryRun }) => {
    const id = idParam(params.id, 'customer id');
    const req = parseBody(AddressRequest, body);
    const c = await repo.updateAddress(id, req, { dryRun });
    if (!c) throw new HttpError(404, 'not-found', `customer ${params.id} not found`);
    return { status: 200, body: { customer: c } };
  });
  return r;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(400, 'bad-request', `request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try { return JSON.parse(text); } catch { throw new HttpError(400, 'bad-request', 'request body is not valid JSON'); }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!), b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startBillingServer(o: BillingServerOptions): Promise<RunningApp> {
  let faults: Faults = parseFaults(o.faults ?? {}, `${o.app} app faults`);
  let errorDraw = new Prng(faults.errorSeed ?? 1);
  const router = routes(o.repo, o.app);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) => new Promise<void>((resolve) => { const t = setTimeout(() => { timers.delete(t); resolve(); }, ms); timers.add(t); });

  const send = (res: ServerResponse, requestId: string, status: number, body: Record<string, unknown>): void => {
    if (res.destroyed) return;
    const payload = JSON.stringify(status < 400 ? { ...body, generatedAt: new Date().toISOString(), requestId } : { ...body, requestId });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), 'x-request-id': requestId, 'x-billing-app': o.app });
    res.end(payload);
  };
  const fail = (res: ServerResponse, requestId: string, e: unknown): void => {
    const err = e instanceof HttpError ? e : new HttpError(500, 'internal', 'internal error');
    if (!(e instanceof HttpError)) process.stderr.write(`[billing ${o.app}] ${(e as Error)?.stack ?? String(e)}\n`);
    send(res, requestId, err.status, { error: { code: err.code, message: err.message } });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headerId = req.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && headerId.length > 0 && headerId.length <= 128 ? headerId : randomUUID();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/_admin/faults') {
        if (!o.adminToken) throw new HttpError(404, 'not-found', 'no admin endpoint: the app was started without an admin token');
        if (!tokenMatches(req.headers.authorization, o.adminToken)) throw new HttpError(401, 'unauthorized', 'admin endpoint needs Authorization: Bearer <token>');
        if (req.method === 'PUT') {
          try { faults = parseFaults(await readBody(req) ?? {}, 'PUT /_admin/faults'); } catch (e) { if (e instanceof FaultsError) throw new HttpError(400, 'bad-request', e.message); throw e; }
          errorDraw = new Prng(faults.errorSeed ?? 1);
        } else if (req.method !== 'GET') throw new HttpError(405 as number, 'bad-request', 'use GET or PUT on /_admin/faults');
        return send(res, requestId, 200, { faults });
      }
      const m = router.match(req.method ?? 'GET', url.pathname);
      if (!m) throw new HttpError(404, 'not-found', `no route for ${req.method} ${url.pathname}`);
      if ('methodNotAllowed' in m) throw new HttpError(405 as number, 'bad-request', `${req.method} is not allowed on ${url.pathname}`);
      const f = faults;
      if (f.hang) return; // never answered; close() destroys the socket
      if (f.slowMs && (!f.slowRoute || f.slowRoute === m.name)) await sleep(f.slowMs);
      if (f.errorRate && errorDraw.next() < f.errorRate) throw new HttpError(500, 'internal', 'injected failure (errorRate fault)');
      const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : undefined;
      const dryRun = req.headers['x-siphon-dry-run'] === '1' || req.headers['x-siphon-dry-run'] === 'true';
      const out = await m.handler({ params: m.params, body, dryRun, query: url.searchParams });
      send(res, requestId, out.status, applyDataFaults(m.name, out.body, f));
    } catch (e) {
      fail(res, requestId, e);
    }
  };

  const server = createServer((req, res) => { void handle(req, res); });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    faults: () => faults,
    setFaults: (f) => { faults = parseFaults(f, `${o.app} app faults`); errorDraw = new Prng(faults.errorSeed ?? 1); },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}
