import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'nats';
import { openDatabase } from '../backends/open.js';
import type { Database } from '../backends/types.js';
import { parseConnectionUrl, redactUrl } from '../backends/url.js';
import { SiphonError } from '../errors.js';
import type { ConfigIssue } from './errors.js';

export type BackendRole = 'legacy' | 'next' | 'state' | 'log' | 'legacy.http' | 'next.http';

export interface BackendReport {
  readonly role: BackendRole;
  /** Always redacted. */
  readonly url: string;
  readonly kind: 'sqlite' | 'postgres' | 'mysql' | 'nats' | 'http' | 'unknown';
  readonly reachable: boolean;
  /** Why it is not reachable (redacted). */
  readonly error?: string;
  /** Extra facts: "will be created", "JetStream enabled"... */
  readonly note?: string;
}

export interface OpenedBackend {
  readonly report: BackendReport;
  readonly db?: Database;
  /** A config problem (e.g. a `${VAR}` that is not set), as opposed to an unreachable server. */
  readonly configIssue?: ConfigIssue;
}

function kindOf(url: string): BackendReport['kind'] {
  try { return parseConnectionUrl(url.replace(/\$\{[^}]*\}/g, 'x')).kind; } catch { return 'unknown'; }
}

function message(e: unknown): string {
  // Driver messages may echo the URL: redact every URL-looking part.
  return redactUrl(((e as Error)?.message ?? String(e)).split('\n')[0]!).replace(/:[^:@/\s]+@/g, ':***@');
}

/** A `${VAR}` in the URL that the environment does not define: a configuration problem, reported by path. */
function missingEnv(url: string, path: string): ConfigIssue | undefined {
  for (const m of url.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    if (process.env[m[1]!] === undefined) {
      return { path, message: `${path}: environment variable ${m[1]} is not set (it is referenced in ${redactUrl(url)})` };
    }
  }
  return undefined;
}

/**
 * Opens a database role (legacy, next) for inspection. SQLite files must exist (check never creates a database);
 * a writable SQLite legacy is switched to WAL mode by the adapter, the only change check can make.
 * Failures become a report entry, never an exception.
 */
export async function openRole(role: 'legacy' | 'next', url: string): Promise<OpenedBackend> {
  const base = { role, url: redactUrl(url), kind: kindOf(url) } as const;
  const envIssue = missingEnv(url, `${role}.db`);
  if (envIssue) return { report: { ...base, reachable: false, error: envIssue.message }, configIssue: envIssue };
  try {
    // next is only read here; legacy is opened writable because trigger-capture readiness depends on it
    const db = await openDatabase(url, { mustExist: true, readonly: role === 'next', poolSize: 2, connectTimeoutMs: 5000 });
    return { report: { ...base, reachable: true }, db };
  } catch (e) {
    return { report: { ...base, reachable: false, error: message(e) } };
  }
}

function nearestExisting(path: string): string {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * Checks a state or log backend without creating anything: an existing SQLite file is opened read-only, a missing
 * one is reported as "will be created" when its folder is writable; PostgreSQL is connected to; NATS is connected
 * to and asked for JetStream.
 */
export async function probeStore(role: 'state' | 'log', url: string): Promise<OpenedBackend> {
  const base = { role, url: redactUrl(url), kind: kindOf(url) } as const;
  const envIssue = missingEnv(url, role);
  if (envIssue) return { report: { ...base, reachable: false, error: envIssue.message }, configIssue: envIssue };
  try {
    const parsed = parseConnectionUrl(url);
    switch (parsed.kind) {
      case 'sqlite': {
        if (parsed.path === ':memory:') return { report: { ...base, reachable: true, note: 'in memory' } };
        if (existsSync(parsed.path)) {
          const db = await openDatabase(url, { readonly: true, mustExist: true });
          const tables = await db.listTables();
          await db.close();
          return { report: { ...base, reachable: true, note: `exists (${tables.length} tables)` } };
        }
        const dir = nearestExisting(dirname(parsed.path));
        accessSync(dir, constants.W_OK);
        return { report: { ...base, reachable: true, note: 'will be created on first use' } };
      }
      case 'postgres': case 'mysql': {
        const db = await openDatabase(url, { poolSize: 1, connectTimeoutMs: 5000 });
        try { await db.listTables(); } finally { await db.close(); }
        return { report: { ...base, reachable: true } };
      }
      case 'nats': {
        const nc = await connect({ servers: parsed.servers, timeout: 5000, maxReconnectAttempts: 0 });
        try {
          await nc.flush();
          try { await nc.jetstreamManager(); } catch {
            return { report: { ...base, reachable: false, error: 'connected, but JetStream is not enabled on the server (start nats-server with -js)' } };
          }
          return { report: { ...base, reachable: true, note: 'JetStream enabled' } };
        } finally { await nc.close(); }
      }
    }
  } catch (e) {
    if (e instanceof SiphonError && e.code === 'BACKEND_UNSUPPORTED_URL') {
      const issue = { path: role, message: `${role}: ${message(e)}` };
      return { report: { ...base, reachable: false, error: message(e) }, configIssue: issue };
    }
    return { report: { ...base, reachable: false, error: message(e) } };
  }
}

/**
 * Checks that an HTTP upstream answers at all: any HTTP status counts (a 404 on the base URL is still a live
 * application); a refused connection or no answer within 5 s does not.
 */
export async function probeHttp(role: 'legacy.http' | 'next.http', url: string): Promise<OpenedBackend> {
  const base = { role, url: redactUrl(url), kind: 'http' } as const;
  try {
    // fetch refuses credentials inside the URL: send them as basic auth instead
    const u = new URL(url);
    const headers: Record<string, string> = {};
    if (u.username || u.password) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
      u.username = ''; u.password = '';
    }
    const res = await fetch(u, { method: 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return { report: { ...base, reachable: true, note: `HTTP ${res.status}` } };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.message ? (cause.code && !cause.message.includes(cause.code) ? `${cause.code} ${cause.message}` : cause.message) : undefined;
    return { report: { ...base, reachable: false, error: message(detail ?? e) } };
  }
}
