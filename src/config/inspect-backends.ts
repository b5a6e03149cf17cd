import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'nats';
import { openDatabase } from '../backends/open.js';
import type { Database } from '../backends/types.js';
import { parseConnectionUrl, redactUrl } from '../backends/url.js';
import { SiphonError } from '../errors.js';
import type { ConfigIssue } from './errors.js';

export type BackendRole = 'legacy' | 'next' | 'state' | 'log';

export interface BackendReport {
  readonly role: BackendRole;
  /** Always redacted. */
  readonly url: string;
  readonly kind: 'sqlite' | 'postgres' | 'mysql' | 'nats' | 'unknown';
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
 * Opens a database role (legacy, next) for inspection. SQLite files must exist (check never creates a database).
 * Failures become a report entry, never an exception.
 */
export async function openRole(role: 'legacy' | 'next', url: string): Promise<OpenedBackend> {
  const base = { role, url: redactUrl(url), kind: kindOf(url) } as const;
  const envIssue = missingEnv(url, `${role}.db`);
  if (envIssue) return { report: { ...base, reachable: false, error: envIssue.message }, configIssue: envIssue };
  try {
    const db = await openDatabase(url, { mustExist: true, poolSize: 2, connectTimeoutMs: 5000 });
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
