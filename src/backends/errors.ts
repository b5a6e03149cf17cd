import { SiphonError } from '../errors.js';

export class BackendError extends SiphonError {}

export class UnsupportedUrlError extends BackendError {
  constructor(url: string, expected: string) {
    super('BACKEND_UNSUPPORTED_URL', `unsupported connection URL "${url}": expected ${expected}`, { url, expected });
  }
}

export class ConnectionError extends BackendError {
  constructor(displayUrl: string, cause: unknown) {
    super('BACKEND_CONNECTION', `cannot connect to ${displayUrl}: ${(cause as Error)?.message ?? String(cause)}`, { url: displayUrl }, { cause });
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

/** A statement failed on the engine; the message is the engine's, the context says which statement. */
export class QueryError extends BackendError {
  constructor(displayUrl: string, sql: string, cause: unknown) {
    const short = sql.length > 300 ? `${sql.slice(0, 300)}…` : sql;
    super('BACKEND_QUERY', `${(cause as Error)?.message ?? String(cause)} (on ${displayUrl}, in: ${short})`, { url: displayUrl, sql: short, engineCode: (cause as { code?: string })?.code ?? null }, { cause });
  }
}
