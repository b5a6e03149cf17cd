import { ConnectionError, QueryError } from '../errors.js';
import { SiphonError } from '../../errors.js';

// Error codes that mean "the server is not reachable / the connection died", not "the statement was wrong".
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', '28P01', '28000', '3D000', '57P01', '57P03', '08006', '08001', '08004']);

/** Driver error → ConnectionError (unreachable, auth, missing database) or QueryError (the statement failed). */
export function wrapDriverError(displayUrl: string, sql: string, e: unknown): Error {
  if (e instanceof SiphonError) return e;
  const code = (e as { code?: string })?.code;
  const msg = (e as Error)?.message ?? '';
  if ((code && NETWORK.has(code)) || /timeout exceeded when trying to connect|Connection terminated|connect ETIMEDOUT/i.test(msg)) {
    return new ConnectionError(displayUrl, e);
  }
  return new QueryError(displayUrl, sql, e);
}
