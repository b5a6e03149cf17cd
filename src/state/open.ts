import { parseConnectionUrl, redactUrl } from '../backends/url.js';
import { UnsupportedStateUrlError } from './errors.js';
import type { Migration } from './migrations/index.js';
import { PostgresStateStore } from './postgres/postgres-state-store.js';
import { SqliteStateStore } from './sqlite/sqlite-state-store.js';
import type { StateStore } from './types.js';

/** Where the state lives when the configuration says nothing: a file beside the project, created on first use. */
export const DEFAULT_STATE_URL = 'sqlite:.siphon/state.sqlite';

export interface OpenStateStoreOptions {
  /** PostgreSQL schema (default `siphon_state`, or the URL's `?schema=` parameter). */
  readonly schema?: string;
  /** Tests of the upgrade path only: apply this prefix of the migrations instead of all. */
  readonly migrations?: readonly Migration[];
  /**
   * `write` (default): create the store (file and folder, schema) when missing. `read`: open an existing store only;
   * a missing one is a StateNotFoundError naming it, and nothing is created. Inspection commands open with `read`.
   * An existing store is brought to the code's schema version in both modes.
   */
  readonly mode?: 'read' | 'write';
}

/**
 * Opens (and migrates to the code's schema version) the state store at `url`: `sqlite:PATH` (`sqlite::memory:` for a
 * throwaway store) or `postgres://…[?schema=NAME]`. `${ENV}` references are expanded; the password never appears in
 * `location` or errors.
 */
export async function openStateStore(url: string = DEFAULT_STATE_URL, options: OpenStateStoreOptions = {}): Promise<StateStore> {
  const parsed = parseConnectionUrl(url);
  const mustExist = options.mode === 'read';
  switch (parsed.kind) {
    case 'sqlite':
      return SqliteStateStore.open(parsed.path, { migrations: options.migrations, mustExist });
    case 'postgres': {
      const u = new URL(parsed.url);
      // `schema` is ours, not a libpq parameter: PostgreSQL would refuse it as an unknown startup option
      const schema = options.schema ?? u.searchParams.get('schema') ?? undefined;
      u.searchParams.delete('schema');
      return PostgresStateStore.open({ connectionString: u.toString() }, redactUrl(u.toString()), { schema, migrations: options.migrations, mustExist });
    }
    case 'mysql':
    case 'nats':
      throw new UnsupportedStateUrlError(redactUrl(url));
  }
}
