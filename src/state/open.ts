import { redactUrl } from '../backends/url.js';
import { stateTarget } from './part-target.js';
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
  const mustExist = options.mode === 'read';
  const t = stateTarget(url, options.schema);
  if (t.kind === 'sqlite') return SqliteStateStore.open(t.path, { migrations: options.migrations, mustExist });
  return PostgresStateStore.open({ connectionString: t.connectionString }, redactUrl(t.connectionString), { schema: t.schema, migrations: options.migrations, mustExist });
}
