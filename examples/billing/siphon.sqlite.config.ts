/**
 * The billing migration on embedded SQLite only (legacy and next are SQLite files), as `siphon demo` runs it.
 * BILLING_LEGACY_URL / BILLING_NEXT_URL override the files (relative paths are resolved against this folder).
 */
import { defineMigration } from '../../src/config/define.js';
import { billingEntities, billingTables } from './mapping/tables.js';

export default defineMigration({
  name: 'billing-sqlite',
  legacy: { db: process.env.BILLING_LEGACY_URL ?? 'sqlite:.siphon/demo/legacy.sqlite', timezone: 'Europe/Paris' },
  next: { db: process.env.BILLING_NEXT_URL ?? 'sqlite:.siphon/demo/next.sqlite' },
  state: process.env.BILLING_STATE_URL ?? 'sqlite:.siphon/demo/state.sqlite',
  log: process.env.BILLING_LOG_URL ?? 'sqlite:.siphon/demo/log.sqlite',
  entities: billingEntities,
  tables: billingTables(),
});
