import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadAssets } from './assets.js';
import { DashboardCollector } from './collector.js';
import { cookieValue, DashboardSessions, SESSION_COOKIE } from './sessions.js';
import type { DashboardActions, DashboardIdentity, DashboardSnapshot, DashboardSources } from './types.js';

export interface DashboardOptions {
  readonly sources: DashboardSources;
  readonly actions: DashboardActions;
  /** The admin API's token check: the identity and role of a token, or undefined (compare in constant time). */
  readonly authenticate: (token: string) => DashboardIdentity | undefined;
  /** Live feed period. Default 1000 ms. */
  readonly intervalMs?: number;
  /** Mount point. Default `/dashboard`. */
  readonly base?: string;
}

export interface Dashboard {
  /** Answers the request when its path is under the mount point; false otherwise (the caller answers it). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The figures as the page shows them (also `GET {base}/api/snapshot`). */
  snapshot(): Promise<DashboardSnapshot>;
  close(): void;
}

const MAX_BODY = 16 * 1024;
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'",
  'cache-control': 'no-store',
};

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', ...extra });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new Error(`request body over ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  if (size === 0) return {};
  const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the body must be a JSON object');
  return v as Record<string, unknown>;
}

/**
 * The dashboard: a static page (ours + uPlot, served from the package), a JSON snapshot, a live feed (server-sent
 * events, one collection per period shared by every viewer, none while nobody watches) and the operator's actions.
 * Everything but the page itself needs the admin token — as a bearer header or the session cookie the login gives;
 * the page without it shows only the login form. Actions also need the operator role and a custom header, so a
 * cross-site form cannot post one.
 */
export function createDashboard(opts: DashboardOptions): Dashboard {
  const base = opts.base ?? '/dashboard';
  const assets = loadAssets();
  const sessions = new DashboardSessions();
  const collector = new DashboardCollector(opts.sources);
  const viewers = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  let collecting = false;

  const who = (req: IncomingMessage): DashboardIdentity | undefined => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return opts.authenticate(auth.slice(7));
    return sessions.find(cookieValue(req.headers.cookie, SESSION_COOKIE));
  };

  const tick = async () => {
    if (collecting || viewers.size === 0) return;
    collecting = true;
    try {
      const s = await collector.collect();
      const frame = `event: snapshot\ndata: ${JSON.stringify(s)}\n\n`;
      for (const v of viewers) v.write(frame);
    } catch (e) {
      const frame = `event: failure\ndata: ${JSON.stringify({ message: e instanceof Error ? e.message : String(e) })}\n\n`;
      for (const v of viewers) v.write(frame);
    } finally { collecting = false; }
  };

  const live = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    viewers.add(res);
    if (!timer) { timer = setInterval(() => void tick(), opts.intervalMs ?? 1000); timer.unref(); }
    void tick();
    req.on('close', () => {
      viewers.delete(res);
      if (viewers.size === 0 && timer) { clearInterval(timer); timer = undefined; }
    });
  };

  const act = async (req: IncomingMessage, res: ServerResponse, user: DashboardIdentity, path: string) => {
    if (user.role !== 'operator') { json(res, 403, { error: 'this needs an operator token; yours is read-only' }); return; }
    if (req.headers['x-siphon-csrf'] !== '1') { json(res, 403, { error: 'missing x-siphon-csrf header' }); return; }
    const body = await readJson(req);
    const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 500) : 'from the dashboard';
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/routes\/([^/]+)\/rollback$/.exec(path))) {
      await opts.actions.rollback(decodeURIComponent(m[1]!), user.identity, reason);
      json(res, 200, { ok: true });
    } else if ((m = /^\/api\/routes\/([^/]+)\/approve$/.exec(path))) {
      if (!opts.actions.approve) { json(res, 501, { error: 'no canary analysis runs here: nothing to approve' }); return; }
      await opts.actions.approve(decodeURIComponent(m[1]!), user.identity);
      json(res, 200, { ok: true });
    } else if (path === '/api/quarantine/retry') {
      if (!opts.actions.retryQuarantine) { json(res, 501, { error: 'no migration runs here: nothing can retry' }); return; }
      const ids = Array.isArray(body.ids) ? body.ids.filter((x): x is number => Number.isSafeInteger(x)) : [];
      if (ids.length === 0) { json(res, 400, { error: 'give the quarantine item ids to retry: {"ids":[1,2]}' }); return; }
      json(res, 200, await opts.actions.retryQuarantine(ids, user.identity));
    } else json(res, 404, { error: `no action ${path}` });
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const method = req.method ?? 'GET';
    if (method === 'GET' && (path === '' || path === '/')) {
      if (path === '') { res.writeHead(308, { location: `${base}/` }); res.end(); return; }
      const a = assets.get('index.html')!;
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': a.type }); res.end(a.body); return;
    }
    if (method === 'GET' && path.startsWith('/assets/')) {
      const a = assets.get(path.slice('/assets/'.length));
      if (!a) { json(res, 404, { error: 'no such asset' }); return; }
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': a.type, 'cache-control': 'max-age=300' }); res.end(a.body); return;
    }
    if (method === 'POST' && path === '/login') {
      const body = await readJson(req);
      const user = typeof body.token === 'string' ? opts.authenticate(body.token) : undefined;
      if (!user) { json(res, 401, { error: 'wrong token' }); return; }
      const id = sessions.open(user);
      json(res, 200, user, { 'set-cookie': `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=${base}` });
      return;
    }
    const user = who(req);
    if (!user) { json(res, 401, { error: 'log in with the admin token' }, { 'www-authenticate': 'Bearer' }); return; }
    if (method === 'POST' && path === '/logout') {
      sessions.close(cookieValue(req.headers.cookie, SESSION_COOKIE));
      json(res, 200, { ok: true }, { 'set-cookie': `${SESSION_COOKIE}=; Max-Age=0; Path=${base}` }); return;
    }
    if (method === 'GET' && path === '/api/me') {
      json(res, 200, { ...user, can: { approve: Boolean(opts.actions.approve), retry: Boolean(opts.actions.retryQuarantine) } });
      return;
    }
    if (method === 'GET' && path === '/api/snapshot') { json(res, 200, await collector.collect()); return; }
    if (method === 'GET' && path === '/events') { live(req, res); return; }
    if (method === 'POST' && path.startsWith('/api/')) { await act(req, res, user, path); return; }
    json(res, 404, { error: `nothing at ${base}${path}` });
  };

  return {
    handle(req, res) {
      const url = req.url ?? '/';
      const path = url.split('?')[0]!;
      if (path !== base && !path.startsWith(`${base}/`)) return false;
      route(req, res, path.slice(base.length)).catch((e: unknown) => {
        if (!res.headersSent) json(res, 400, { error: e instanceof Error ? e.message : String(e) });
        else res.destroy();
      });
      return true;
    },
    snapshot: () => collector.collect(),
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const v of viewers) v.end();
      viewers.clear();
    },
  };
}
