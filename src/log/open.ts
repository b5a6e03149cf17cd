import { parseConnectionUrl, redactUrl } from '../backends/url.js';
import { UnsupportedUrlError } from '../backends/errors.js';
import { assertNever } from '../errors.js';
import type { EventLog } from './types.js';
import { SqliteLog } from './sqlite/sqlite-log.js';
import { trackLogSize, untrackLogSize } from './metrics.js';

export const DEFAULT_LOG_URL = 'sqlite:.siphon/log.sqlite';

export interface OpenLogOptions {
  /** SQLite only: fsync every commit (default true). */
  readonly fsync?: boolean;
  /**
   * `write` (default): create the log (file and folder, schema, stream) when missing — capture and apply.
   * `read`: open an existing log only; a missing one is a LogNotFoundError naming it, and nothing is created. Every
   * inspection command opens with `read` (a mistyped path must not produce an empty log reported as fine).
   */
  readonly mode?: 'read' | 'write';
}

/**
 * Open the event log named by a URL:
 *   sqlite:PATH                              embedded default (sqlite:.siphon/log.sqlite)
 *   postgres://user@host/db[?schema=NAME]    tables in schema NAME (default siphon_log)
 *   nats://host:4222[,host2:4222]/LOG        JetStream stream SIPHON_LOG (one log per source, see nats/)
 */
export async function openLog(url: string, options: OpenLogOptions = {}): Promise<EventLog> {
  const log = await openAdapter(url, options);
  // Size gauges read at scrape time, for as long as the log is open.
  trackLogSize(log);
  const close = log.close.bind(log);
  log.close = async () => { untrackLogSize(log); await close(); };
  return log;
}

async function openAdapter(url: string, options: OpenLogOptions): Promise<EventLog> {
  const parsed = parseConnectionUrl(url);
  const mustExist = options.mode === 'read';
  switch (parsed.kind) {
    case 'sqlite':
      return new SqliteLog(parsed.path, { ...(options.fsync === undefined ? {} : { fsync: options.fsync }), mustExist });
    case 'postgres': {
      const { PostgresLog } = await import('./postgres/postgres-log.js');
      return PostgresLog.open(parsed.url, { mustExist });
    }
    case 'nats': {
      const { NatsLog } = await import('./nats/nats-log.js');
      return NatsLog.open(parsed.url, { mustExist });
    }
    case 'mysql':
      throw new UnsupportedUrlError(redactUrl(url), 'a log URL: sqlite:PATH, postgres://… or nats://… (MariaDB/MySQL is not a log backend)');
    default:
      return assertNever(parsed, 'log URL kind');
  }
}
