import pg from 'pg';
import { stateTarget } from '../part-target.js';
import { PostgresAspireFlights } from './postgres-aspire-flights.js';
import { SqliteAspireFlights } from './sqlite-aspire-flights.js';
import type { AspireFlightStore } from './types.js';

/**
 * Opens aspire's flights in the state store at `url` (same URL forms as `openStateStore`). The store must have been
 * opened once by `openStateStore`, which applies the migrations; this adds a connection of its own.
 */
export async function openAspireFlights(url: string): Promise<AspireFlightStore> {
  const t = stateTarget(url);
  if (t.kind === 'sqlite') return SqliteAspireFlights.open(t.path);
  const config = { connectionString: t.connectionString };
  return new PostgresAspireFlights(new pg.Pool({ ...config, max: 4, application_name: 'siphon-aspire' }), config, t.schema);
}
