export type * from './types.js';
export { LEDGER_ORIGINS, LEDGER_STATES, QUARANTINE_STATES, ROUTE_MODES } from './types.js';
export { ledgerEntries } from './iterate.js';
export { DEFAULT_STATE_URL, openStateStore, type OpenStateStoreOptions } from './open.js';
export {
  CheckpointConflictError, RouteNotFoundError, StateError, StateInputError, StateMigrationError, StateOpenError,
  StateSchemaTooNewError, StateNotFoundError,
  UnsupportedStateUrlError,
} from './errors.js';
export { compareVersions, sortableBinlog, sortableCounter, sortableLsn, sortableTuple } from './version-order.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
