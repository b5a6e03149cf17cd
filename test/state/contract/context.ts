import Database from 'better-sqlite3';
import pg from 'pg';
import { openStateStore, type OpenStateStoreOptions } from '../../../src/state/open.js';
import type { StateStore } from '../../../src/state/types.js';

/** What each contract section gets: the store under test and raw access to the same engine. */
export interface ContractContext {
  readonly dialect: 'sqlite' | 'postgres';
  /** The suite's store (opened in beforeAll). */
  store(): StateStore;
  /** A second, independent store on the same data (another connection, as another process would have). */
  other(): StateStore;
  /** URL of a separate, empty location for migration tests (a new file, or a new schema). */
  isolatedUrl(name: string): string;
  /** Run raw SQL on the engine behind `url` (PostgreSQL: with search_path set to its schema). */
  raw<R = Record<string, unknown>>(url: string, sql: string): Promise<R[]>;
  readonly url: string;
}

export function isolatedUrl(dialect: 'sqlite' | 'postgres', baseUrl: string, name: string): string {
  if (dialect === 'sqlite') return baseUrl.replace(/\.sqlite$/, `.${name}.sqlite`);
  const u = new URL(baseUrl);
  u.searchParams.set('schema', name);
  return u.toString();
}

export async function raw<R>(url: string, sql: string): Promise<R[]> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    try {
      const stmt = db.prepare(sql);
      return stmt.reader ? (stmt.all() as R[]) : (stmt.run(), []);
    } finally { db.close(); }
  }
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'siphon_state';
  u.searchParams.delete('schema');
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(`SET search_path TO "${schema}"`);
    return (await c.query(sql)).rows as R[];
  } finally { await c.end(); }
}

export function open(url: string, options?: OpenStateStoreOptions): Promise<StateStore> {
  return openStateStore(url, options);
}

/** Resolves with the thrown error (fails if nothing was thrown). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; context?: Record<string, unknown> }> {
  try { await p; } catch (e) { return e as Error & { code?: string }; }
  throw new Error('expected a rejection, but the call succeeded');
}
