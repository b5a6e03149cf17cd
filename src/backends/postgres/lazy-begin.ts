/**
 * BEGIN sent with a transaction's first statement instead of alone: one round trip less per transaction. On a
 * loaded machine a round trip waits for the server process to get a core (apply's BEGIN cost ~50 ms per batch at
 * load 15: as much as a statement), and apply runs one transaction per batch or chunk.
 *
 * How: a transaction opened by the database adapter (`withPgTransaction(…, { lazyBegin: true })`) marks its client;
 * the first statement on it is sent as ONE simple-protocol message `BEGIN; <statement>` with its parameters inlined
 * as string literals (an untyped literal is resolved exactly as an untyped parameter is: node-pg sends parameters
 * untyped, as text). A statement whose parameters cannot be inlined (arrays, bytes), a COPY or a SAVEPOINT sends
 * BEGIN alone first, as before. A transaction that sent nothing commits nothing.
 */
import type pg from 'pg';
import { scanPlaceholders } from '../sql/placeholders.js';
import type { PostgresParam } from './values.js';

const pending = new WeakSet<pg.PoolClient>();

export function markBeginPending(client: pg.PoolClient): void { pending.add(client); }
/** Whether BEGIN is still to be sent; clears the mark (the caller sends it now). */
export function takeBeginPending(client: pg.PoolClient): boolean { return pending.delete(client); }
export function isBeginPending(client: pg.PoolClient): boolean { return pending.has(client); }

/** Sends the pending BEGIN alone (before a COPY, a SAVEPOINT, or a statement that cannot be inlined). */
export async function flushBegin(client: pg.PoolClient): Promise<void> {
  if (takeBeginPending(client)) await client.query('BEGIN');
}

// E'…': backslash escapes whatever standard_conforming_strings says; PostgreSQL text holds no NUL
const literal = (s: string) => `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * `sql` (with `?` placeholders) with its parameters as literals, or undefined when one cannot be (arrays, bytes).
 */
export function inlineParams(sql: string, values: readonly (PostgresParam | PostgresParam[])[]): string | undefined {
  const { positions } = scanPlaceholders(sql, { postgres: true });
  if (positions.length !== values.length) return undefined;
  let out = '';
  let from = 0;
  for (let i = 0; i < positions.length; i++) {
    const v = values[i];
    let text: string;
    if (v === null || v === undefined) text = 'NULL';
    else if (typeof v === 'string') text = literal(v);
    else if (typeof v === 'boolean') text = v ? "'true'" : "'false'"; // as node-pg sends a boolean parameter
    else return undefined;
    out += sql.slice(from, positions[i]) + text;
    from = positions[i]! + 1;
  }
  return out + sql.slice(from);
}
