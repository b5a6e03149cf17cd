import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from '../../config/types.js';
import { SiphonError } from '../../errors.js';
import { createLogger, type Logger } from '../../observe/logger.js';
import type { RouteTableCheck } from '../../routes/control.js';
import type { StateStore } from '../../state/types.js';
import { mountBuiltins } from './endpoints/index.js';
import { AdminListenError, AdminRequestError } from './errors.js';
import { EndpointRegistry, isRaw, type AdminMethod, type AdminRequest, type Endpoint } from './registry.js';
import { TokenVerifier, type AdminIdentity, type AdminToken } from './tokens.js';

export interface AdminApiOptions {
  /** The state store every built-in endpoint reads and changes (its changes write their audit entries). */
  readonly state: StateStore;
  /** The migration config: status, quarantine retry (its mappings and next database) need it. */
  readonly config?: ResolvedConfig;
  /** Who may call, with which role (see `loadOrCreateTokens`). */
  readonly tokens: readonly AdminToken[];
  /** What a gateway would refuse in a route table (wire the gateway's `gatewayRouteCheck`); default: options only. */
  readonly checkRoutes?: RouteTableCheck;
  /** The state store's URL, for verify results (their own connection); default the config's. */
  readonly stateUrl?: string;
  readonly logger?: Logger;
  /** Largest request body accepted (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

export interface AdminApi {
  readonly server: Server;
  readonly registry: EndpointRegistry;
  /** Mounts a component's endpoint (aspire, canary analysis…); before or after `listen`. */
  mount(endpoint: Endpoint): void;
  /** The identity and role of a token (constant time), for components that log users in themselves (dashboard). */
  authenticate(token: string): AdminIdentity | undefined;
  /** Listens (default 127.0.0.1, port 0 = any free port) and says where. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** Built-in endpoints get these; a component mounting its own endpoints closes over what it needs. */
export interface AdminDeps {
  readonly state: StateStore;
  readonly config?: ResolvedConfig;
  readonly checkRoutes?: RouteTableCheck;
  readonly stateUrl?: string;
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE']);

/** HTTP status for an error a handler threw: the input (400), what is not there (404), what this API lacks (503). */
export function statusFor(e: unknown): number {
  if (!(e instanceof SiphonError)) return 500;
  if (e.code === 'STATE_ROUTE_NOT_FOUND' || e.code === 'ADMIN_NOT_FOUND') return 404;
  if (e.code === 'ADMIN_UNAVAILABLE') return 503;
  // what the request reads does not exist yet (the migration never ran with this config): not the API's failure
  if (e.code === 'MIGRATE_NOT_STARTED' || e.code === 'STATE_NOT_FOUND' || e.code === 'LOG_NOT_FOUND') return 409;
  if (e.code === 'ADMIN_BAD_REQUEST' || e.code.startsWith('CONFIG_') || e.code === 'STATE_INVALID_INPUT'
    || e.code === 'GATEWAY_ROUTE_CONTROL') return 400;
  return 500;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  send(res, status, { error: { code, message } }, headers);
}

async function readBody(req: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new AdminRequestError(`request body larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try { return JSON.parse(text) as unknown; } catch (e) {
    throw new AdminRequestError(`request body is not JSON: ${(e as Error).message}`);
  }
}

/**
 * The control plane's admin API: one HTTP listener on its own port serving every component's endpoints. `GET /healthz`
 * is open; everything else needs `Authorization: Bearer TOKEN` (401 without or with a wrong one), and an endpoint that
 * changes something needs an operator token (403 for a read-only one). Every change goes through a state-store call
 * that writes its audit entry, with the token's identity as the actor, in the same transaction.
 */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  const log = options.logger ?? createLogger('admin');
  const verifier = new TokenVerifier(options.tokens);
  const registry = new EndpointRegistry();
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const stateUrl = options.stateUrl ?? options.config?.state;
  const builtins = mountBuiltins(registry, { state: options.state, ...(options.config ? { config: options.config } : {}),
    ...(options.checkRoutes ? { checkRoutes: options.checkRoutes } : {}), ...(stateUrl ? { stateUrl } : {}) });
  registry.mount({ method: 'GET', path: '/', access: 'read', summary: 'this list of endpoints', handle: async () => ({ endpoints: registry.list() }) });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const method = req.method ?? 'GET';
    if (url.pathname === '/healthz') { send(res, 200, { ok: true }); return; }
    const found = METHODS.has(method) ? registry.find(method, url.pathname) : undefined;
    if (found && 'endpoint' in found && found.endpoint.access === 'open' && isRaw(found.endpoint)) {
      await found.endpoint.handleRaw(req, res, undefined);
      return;
    }
    // authentication before anything else: without a token, an unknown path is 401 too (no map of the API)
    const who = verifier.verify(req.headers.authorization);
    if (!who) {
      sendError(res, 401, 'ADMIN_UNAUTHORIZED', 'a valid bearer token is required (Authorization: Bearer TOKEN)', { 'www-authenticate': 'Bearer' });
      return;
    }
    if (!found) { sendError(res, 404, 'ADMIN_NOT_FOUND', `no endpoint ${method} ${url.pathname} (GET / lists them)`); return; }
    if ('allowed' in found) {
      sendError(res, 405, 'ADMIN_METHOD_NOT_ALLOWED', `${url.pathname} answers ${found.allowed.join(', ')}`, { allow: found.allowed.join(', ') });
      return;
    }
    const { endpoint, params } = found;
    if (endpoint.access === 'change' && who.role !== 'operator') {
      log.warn({ identity: who.identity, method, path: url.pathname }, 'admin change refused: read-only token');
      sendError(res, 403, 'ADMIN_FORBIDDEN', `${who.identity} has a read-only token; ${method} ${endpoint.path} needs an operator token`);
      return;
    }
    if (isRaw(endpoint)) { await endpoint.handleRaw(req, res, who); return; }
    const body = method === 'GET' ? undefined : await readBody(req, maxBody);
    const reason = body && typeof body === 'object' && typeof (body as { reason?: unknown }).reason === 'string'
      ? (body as { reason: string }).reason : undefined;
    const request: AdminRequest = {
      method: method as AdminMethod, path: url.pathname, params, query: url.searchParams, body, who,
      audit: (action) => ({ actor: who.identity, ...(reason ? { reason } : {}), ...(action ? { action } : {}) }),
    };
    const result = await endpoint.handle(request);
    if (endpoint.access === 'change') log.info({ identity: who.identity, method, path: url.pathname, reason }, 'admin change');
    send(res, 200, result ?? { ok: true });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = statusFor(e);
      if (status === 500) log.error({ err: (e as Error)?.message, path: req.url }, 'admin request failed');
      if (res.headersSent) { res.destroy(); return; }
      const code = e instanceof SiphonError ? e.code : 'ADMIN_INTERNAL';
      sendError(res, status, code, (e as Error)?.message ?? String(e));
    });
  });

  return {
    server,
    registry,
    mount: (e) => registry.mount(e),
    authenticate: (token) => verifier.identify(token),
    listen: (port = 0, host = '127.0.0.1') => new Promise<AddressInfo>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException) => reject(new AdminListenError(host, port, e));
      server.once('error', fail);
      server.listen(port, host, () => { server.off('error', fail); resolve(server.address() as AddressInfo); });
    }),
    close: async () => {
      await new Promise<void>((resolve) => {
        if (!server.listening) { resolve(); return; }
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await builtins.close();
    },
  };
}

export type { AdminIdentity };
