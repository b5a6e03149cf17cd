import Database from 'better-sqlite3';
import pg from 'pg';
import type { FreshDatabase } from '../support/engines.js';

/** Plain SQL on a state store's own tables, to judge end states without Siphon's code. */
export async function stateSql(db: FreshDatabase, sql: string): Promise<Record<string, unknown>[]> {
  if (db.dialect === 'sqlite') {
    const c = new Database(db.name, { readonly: true });
    try { return c.prepare(sql).all() as Record<string, unknown>[]; } finally { c.close(); }
  }
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query('SET search_path TO siphon_state');
    return (await c.query(sql)).rows as Record<string, unknown>[];
  } finally { await c.end(); }
}

/** JSON columns come back as text from SQLite and parsed from PostgreSQL. */
export function json(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

export async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
