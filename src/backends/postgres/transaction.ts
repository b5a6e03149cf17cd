import type pg from 'pg';
import { markBeginPending, takeBeginPending } from './lazy-begin.js';

/**
 * Run `fn` in a transaction on a client from `pool`: BEGIN, COMMIT when it resolves, ROLLBACK when it throws.
 * A client whose ROLLBACK fails (connection lost, COPY aborted mid-stream) is destroyed, not returned to the pool,
 * so the next caller never gets a dead or half-open session. Shared by every PostgreSQL adapter (database, log,
 * state store). `onConnectError` maps a pool error (the database is unreachable) before anything started.
 *
 * While checked out the client has no listener of the pool's: a connection the server ends between two queries of
 * the transaction (pg_terminate_backend, a restart, a failover) emits 'error' on the client, which without a
 * listener of ours crashed the whole process (found by the `siphon start` e2e test). It is recorded instead; the
 * transaction's next query fails and the client is destroyed on release.
 */
export async function withPgTransaction<T>(
  pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, onConnectError: (e: unknown) => unknown = (e) => e,
  options: { readonly lazyBegin?: boolean } = {},
): Promise<T> {
  let client: pg.PoolClient;
  try { client = await pool.connect(); } catch (e) { throw onConnectError(e); }
  let broken: Error | undefined;
  const lost = (e: Error) => { broken ??= e; };
  client.on('error', lost);
  try {
    // lazyBegin: BEGIN goes with the first statement (lazy-begin.ts); a transaction that sent nothing ends without a word
    if (options.lazyBegin) markBeginPending(client); else await client.query('BEGIN');
    const out = await fn(client);
    if (!takeBeginPending(client)) await client.query('COMMIT');
    return out;
  } catch (e) {
    if (!takeBeginPending(client)) await client.query('ROLLBACK').catch((re: Error) => { broken = re; });
    throw e;
  } finally {
    takeBeginPending(client);
    client.off('error', lost);
    client.release(broken);
  }
}
