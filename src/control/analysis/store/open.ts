import pg from 'pg';
import { parseConnectionUrl, redactUrl } from '../../../backends/url.js';
import { UnsupportedStateUrlError } from '../../../state/errors.js';
import { PostgresAnalysisStore } from './postgres.js';
import { SqliteAnalysisStore } from './sqlite.js';
import type { AnalysisStore } from './types.js';

/**
 * Opens canary analysis's tables in the state store at `url` (same URL forms as `openStateStore`). The store must have
 * been opened once by `openStateStore`, which applies the migrations; this adds a connection of its own, as verify's
 * results do, so the `StateStore` interface stays as it is.
 */
export async function openAnalysisStore(url: string): Promise<AnalysisStore> {
  const parsed = parseConnectionUrl(url);
  switch (parsed.kind) {
    case 'sqlite':
      return SqliteAnalysisStore.open(parsed.path);
    case 'postgres': {
      const u = new URL(parsed.url);
      const schema = u.searchParams.get('schema') ?? 'siphon_state';
      u.searchParams.delete('schema');
      return new PostgresAnalysisStore(new pg.Pool({ connectionString: u.toString(), max: 2, application_name: 'siphon-analysis' }), schema);
    }
    case 'mysql':
    case 'nats':
      throw new UnsupportedStateUrlError(redactUrl(url));
  }
}
