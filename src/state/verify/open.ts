import pg from 'pg';
import { parseConnectionUrl, redactUrl } from '../../backends/url.js';
import { UnsupportedStateUrlError } from '../errors.js';
import { PostgresVerifyResults } from './postgres-verify-results.js';
import { SqliteVerifyResults } from './sqlite-verify-results.js';
import type { VerifyResultStore } from './types.js';

/**
 * Opens verify's tables in the state store at `url` (same URL forms as `openStateStore`). The store must have been
 * opened once by `openStateStore`, which applies the migrations; this only adds a connection of its own, so the
 * `StateStore` interface stays as it is.
 */
export async function openVerifyResults(url: string): Promise<VerifyResultStore> {
  const parsed = parseConnectionUrl(url);
  switch (parsed.kind) {
    case 'sqlite':
      return SqliteVerifyResults.open(parsed.path);
    case 'postgres': {
      const u = new URL(parsed.url);
      const schema = u.searchParams.get('schema') ?? 'siphon_state';
      u.searchParams.delete('schema');
      return new PostgresVerifyResults(new pg.Pool({ connectionString: u.toString(), max: 2, application_name: 'siphon-verify' }), schema);
    }
    case 'mysql':
    case 'nats':
      throw new UnsupportedStateUrlError(redactUrl(url));
  }
}
