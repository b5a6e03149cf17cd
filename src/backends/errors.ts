import { SiphonError } from '../errors.js';

export class BackendError extends SiphonError {}

export class UnsupportedUrlError extends BackendError {
  constructor(url: string, expected: string) {
    super('BACKEND_UNSUPPORTED_URL', `unsupported connection URL "${url}": expected ${expected}`, { url, expected });
  }
}

export class ConnectionError extends BackendError {
  constructor(displayUrl: string, cause: unknown) {
    // the server may come back: retryable (a wrong password or database too, once an operator fixes it)
    super('BACKEND_CONNECTION', `cannot connect to ${displayUrl}: ${(cause as Error)?.message ?? String(cause)}`, { url: displayUrl }, { cause, retryable: true });
  }
}

export class TableNotFoundError extends BackendError {
  constructor(table: string, existing: readonly string[], where: string) {
    super('BACKEND_TABLE_NOT_FOUND', `table "${table}" does not exist in ${where}; tables are ${existing.join(', ') || '(none)'}`, { table, existing, where });
  }
}

export class ColumnNotFoundError extends BackendError {
  constructor(table: string, column: string, existing: readonly string[]) {
    super('BACKEND_COLUMN_NOT_FOUND', `column "${column}" does not exist in table ${table}; columns are ${existing.join(', ')}`, { table, column, existing });
  }
}

/** A value could not be written to a column (wrong kind, invalid value, out of range). */
export class WriteValueError extends BackendError {
  constructor(table: string, column: string, message: string) {
    super('BACKEND_WRITE_VALUE', `${table}.${column}: ${message}`, { table, column });
  }
}

/**
 * A statement failed on the engine; the message is the engine's, the context says which statement. `retryable` from
 * the engine's error code (`retryableEngineError`): serialization failures, deadlocks, lock timeouts, a lost session.
 */
export class QueryError extends BackendError {
  constructor(displayUrl: string, sql: string, cause: unknown) {
    const short = sql.length > 300 ? `${sql.slice(0, 300)}…` : sql;
    super('BACKEND_QUERY', `${(cause as Error)?.message ?? String(cause)} (on ${displayUrl}, in: ${short})`,
      { url: displayUrl, sql: short, engineCode: (cause as { code?: string })?.code ?? null }, { cause, retryable: retryableEngineError(cause) });
  }
}

// PostgreSQL SQLSTATE classes and codes: 40 transaction rollback (40001 serialization, 40P01 deadlock), 08 connection,
// 53 insufficient resources, 55P03 lock not available, 57014 statement timeout / cancel, 57P01..57P05 shutdown.
const PG_RETRYABLE = /^(40\w{3}|08\w{3}|53\w{3}|55P03|57014|57P0[1-5])$/;
// MariaDB/MySQL: deadlock, lock wait timeout, lost or killed session, too many connections, read-only failover.
const MY_RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR',
  'ER_QUERY_INTERRUPTED', 'ER_SERVER_SHUTDOWN', 'ER_OPTION_PREVENTS_STATEMENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED']);
// SQLite: another connection holds the lock (busy_timeout expired).
const SQLITE_RETRYABLE = /^SQLITE_(BUSY|LOCKED)(_\w+)?$/;

/** Whether a driver error says "try again" (contention, lost session) rather than "this statement or value is wrong". */
export function retryableEngineError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return PG_RETRYABLE.test(code) || MY_RETRYABLE.has(code) || SQLITE_RETRYABLE.test(code);
}
