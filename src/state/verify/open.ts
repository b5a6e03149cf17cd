import pg from 'pg';
import { stateTarget } from '../part-target.js';
import { PostgresVerifyResults } from './postgres-verify-results.js';
import { SqliteVerifyResults } from './sqlite-verify-results.js';
import type { VerifyResultStore } from './types.js';

/**
 * Opens verify's tables in the state store at `url` (same URL forms as `openStateStore`). The store must have been
 * opened once by `openStateStore`, which applies the migrations; this only adds a connection of its own, so the
 * `StateStore` interface stays as it is.
 */
export async function openVerifyResults(url: string): Promise<VerifyResultStore> {
  const t = stateTarget(url);
  if (t.kind === 'sqlite') return SqliteVerifyResults.open(t.path);
  return new PostgresVerifyResults(new pg.Pool({ connectionString: t.connectionString, max: 2, application_name: 'siphon-verify' }), t.schema);
}
