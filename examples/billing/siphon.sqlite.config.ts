/**
 * The billing migration on embedded SQLite only (legacy and next are SQLite files), as `siphon demo` runs it.
 * The default files are the ones `siphon demo` leaves in `.siphon/demo` when run from the repository root (relative
 * sqlite: paths are resolved against this folder). BILLING_LEGACY_URL / BILLING_NEXT_URL / BILLING_STATE_URL /
 * BILLING_LOG_URL override them.
 *   npx siphon demo && npx siphon check -c examples/billing/siphon.sqlite.config.ts --sample 1000
 */
import { defineMigration } from '../../src/config/define.js';
import { billingEntities, billingTables } from './mapping/tables.js';

export default defineMigration({
  name: 'billing-sqlite',
  legacy: { db: process.env.BILLING_LEGACY_URL ?? 'sqlite:../../.siphon/demo/legacy.sqlite', timezone: 'Europe/Paris' },
  next: { db: process.env.BILLING_NEXT_URL ?? 'sqlite:../../.siphon/demo/next.sqlite' },
  state: process.env.BILLING_STATE_URL ?? 'sqlite:../../.siphon/demo/state.sqlite',
  log: process.env.BILLING_LOG_URL ?? 'sqlite:../../.siphon/demo/log.sqlite',
  entities: billingEntities,
  tables: billingTables(),
});
