import type { Database } from './types.js';
import { parseConnectionUrl, redactUrl } from './url.js';
import { UnsupportedUrlError } from './errors.js';
import { assertNever } from '../errors.js';

export interface OpenOptions {
  /** SQLite: open read-only. */
  readonly readonly?: boolean;
  /** SQLite: fail when the file does not exist instead of creating it (default false). */
  readonly mustExist?: boolean;
  /** PostgreSQL/MariaDB: most pooled connections (default 5). */
  readonly poolSize?: number;
  /** PostgreSQL: the schema to introspect and read (default `public`, or `?schema=` in the URL). */
  readonly schema?: string;
  /** Milliseconds to wait for a connection / a lock (default 10000 / 5000). */
  readonly connectTimeoutMs?: number;
}

/**
 * Open a database from a connection URL (`sqlite:PATH`, `postgres://…`, `mysql://…`/`mariadb://…`; `${ENV}`
 * references expanded). Adapters are imported on demand so that a SQLite-only setup never loads pg or mysql2.
 * Unreachable servers throw ConnectionError with the password redacted.
 */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  const parsed = parseConnectionUrl(url);
  switch (parsed.kind) {
    case 'sqlite': {
      const { SqliteDatabase } = await import('./sqlite/database.js');
      return SqliteDatabase.open(parsed.path, redactUrl(url), options);
    }
    case 'postgres': {
      const { PostgresDatabase } = await import('./postgres/database.js');
      return PostgresDatabase.open(parsed.url, redactUrl(url), options);
    }
    case 'mysql': {
      const { MysqlDatabase } = await import('./mysql/database.js');
      return MysqlDatabase.open(parsed.url, redactUrl(url), options);
    }
    case 'nats':
      throw new UnsupportedUrlError(redactUrl(url), 'a database URL (sqlite:PATH, postgres://…, mysql://… or mariadb://…); nats:// is a log backend, not a database');
    default:
      return assertNever(parsed, 'connection URL kind');
  }
}
