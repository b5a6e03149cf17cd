import pg from 'pg';
import { stateTarget } from '../../../state/part-target.js';
import { PostgresAnalysisStore } from './postgres.js';
import { SqliteAnalysisStore } from './sqlite.js';
import type { AnalysisStore } from './types.js';

/**
 * Opens canary analysis's tables in the state store at `url` (same URL forms as `openStateStore`). The store must have
 * been opened once by `openStateStore`, which applies the migrations; this adds a connection of its own, as verify's
 * results do, so the `StateStore` interface stays as it is.
 */
export async function openAnalysisStore(url: string): Promise<AnalysisStore> {
  const t = stateTarget(url);
  if (t.kind === 'sqlite') return SqliteAnalysisStore.open(t.path);
  return new PostgresAnalysisStore(new pg.Pool({ connectionString: t.connectionString, max: 2, application_name: 'siphon-analysis' }), t.schema);
}
