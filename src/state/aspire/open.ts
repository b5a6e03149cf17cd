import pg from 'pg';
import { parseConnectionUrl, redactUrl } from '../../backends/url.js';
import { UnsupportedStateUrlError } from '../errors.js';
import { PostgresAspireFlights } from './postgres-aspire-flights.js';
import { SqliteAspireFlights } from './sqlite-aspire-flights.js';
import type { AspireFlightStore } from './types.js';

/**
 * Opens aspire's flights in the state store at `url` (same URL forms as `openStateStore`). The store must have been
 * opened once by `openStateStore`, which applies the migrations; this adds a connection of its own.
 */
export async function openAspireFlights(url: string): Promise<AspireFlightStore> {
  const parsed = parseConnectionUrl(url);
  switch (parsed.kind) {
    case 'sqlite':
      return SqliteAspireFlights.open(parsed.path);
    case 'postgres': {
      const u = new URL(parsed.url);
      const schema = u.searchParams.get('schema') ?? 'siphon_state';
      u.searchParams.delete('schema');
      const config = { connectionString: u.toString() };
      return new PostgresAspireFlights(new pg.Pool({ ...config, max: 4, application_name: 'siphon-aspire' }), config, schema);
    }
    case 'mysql':
    case 'nats':
      throw new UnsupportedStateUrlError(redactUrl(url));
  }
}
