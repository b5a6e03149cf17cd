import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditContext } from '../../state/types.js';
import { AdminMountError } from './errors.js';
import type { AdminIdentity } from './tokens.js';

/**
 * The endpoint registry: every component mounts its endpoints on the one admin API (routes, backfill, quarantine,
 * verify, status, audit, diffs; aspire and canary analysis later). An endpoint says whether it only reads
 * (`read`: any token) or changes something (`change`: an operator token), so the rule is in one place, not in each
 * handler.
 */
export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** `open`: raw endpoints only — the handler authenticates by itself (the dashboard's login page and session cookie). */
export type Access = 'read' | 'change' | 'open';

export interface AdminRequest {
  readonly method: AdminMethod;
  readonly path: string;
  /** `:name` segments of the endpoint's path. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Parsed JSON body (POST/PUT), `undefined` when none. */
  readonly body: unknown;
  /** Who called: the token's identity and role. */
  readonly who: AdminIdentity;
  /** The audit context of a change: the actor is the token's identity; `reason` from the body's `reason`. */
  audit(action?: string): AuditContext;
}

interface EndpointBase {
  readonly method: AdminMethod;
  /** `/routes/:id`; a trailing `/*` matches any rest of the path (for mounted handlers such as aspire's). */
  readonly path: string;
  readonly access: Access;
  /** One line for `GET /` (the list of endpoints). */
  readonly summary: string;
}

/** A JSON endpoint: returns the response body (status 200); throws a SiphonError for an error answer. */
export interface JsonEndpoint extends EndpointBase {
  handle(req: AdminRequest): Promise<unknown>;
}

/**
 * A raw endpoint answers itself (a component's own handler). With `read`/`change` access, authentication and the
 * role are checked before (`who` is set); with `open` access nothing is checked and `who` is undefined.
 */
export interface RawEndpoint extends EndpointBase {
  handleRaw(req: IncomingMessage, res: ServerResponse, who: AdminIdentity | undefined): void | Promise<void>;
}

export type Endpoint = JsonEndpoint | RawEndpoint;

export interface Match { readonly endpoint: Endpoint; readonly params: Record<string, string> }

interface Compiled { readonly endpoint: Endpoint; readonly segments: readonly string[]; readonly rest: boolean }

export class EndpointRegistry {
  private readonly compiled: Compiled[] = [];

  mount(endpoint: Endpoint): void {
    if (endpoint.access === 'open' && !isRaw(endpoint)) throw new AdminMountError(endpoint.method, `${endpoint.path} (open access is for raw endpoints that authenticate by themselves)`);
    if (this.compiled.some((c) => c.endpoint.method === endpoint.method && c.endpoint.path === endpoint.path)) {
      throw new AdminMountError(endpoint.method, endpoint.path);
    }
    const segments = endpoint.path.split('/').filter(Boolean);
    const rest = segments[segments.length - 1] === '*';
    // literal paths before patterns, so `/routes/rollback` wins over `/routes/:id`
    this.compiled.push({ endpoint, segments: rest ? segments.slice(0, -1) : segments, rest });
    this.compiled.sort((a, b) => weight(a) - weight(b));
  }

  /** The endpoint for a method and path; `undefined` with the allowed methods when only the method is wrong. */
  find(method: string, path: string): Match | { readonly allowed: readonly string[] } | undefined {
    const parts = path.split('/').filter(Boolean).map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
    const allowed: string[] = [];
    for (const c of this.compiled) {
      const params = matchPath(c, parts);
      if (!params) continue;
      if (c.endpoint.method === method) return { endpoint: c.endpoint, params };
      allowed.push(c.endpoint.method);
    }
    return allowed.length ? { allowed } : undefined;
  }

  list(): { method: AdminMethod; path: string; access: Access; summary: string }[] {
    return this.compiled.map(({ endpoint: e }) => ({ method: e.method, path: e.path, access: e.access, summary: e.summary }))
      .sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
  }
}

function weight(c: Compiled): number {
  return (c.rest ? 1000 : 0) + c.segments.filter((s) => s.startsWith(':')).length;
}

function matchPath(c: Compiled, parts: readonly string[]): Record<string, string> | undefined {
  if (c.rest ? parts.length < c.segments.length : parts.length !== c.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < c.segments.length; i++) {
    const s = c.segments[i]!;
    if (s.startsWith(':')) params[s.slice(1)] = parts[i]!;
    else if (s !== parts[i]) return undefined;
  }
  return params;
}

export function isRaw(e: Endpoint): e is RawEndpoint {
  return 'handleRaw' in e;
}
