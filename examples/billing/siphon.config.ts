/**
 * The billing migration, MariaDB → PostgreSQL. URLs come from the environment, with defaults to the local test
 * servers: BILLING_LEGACY_URL (default mysql://root@127.0.0.1:3306/billing_legacy) and BILLING_NEXT_URL (default
 * postgres://postgres@127.0.0.1:5432/billing_next).
 *   npm run billing:generate -- --customers 100000 --seed 1 --dirty 0.02 --legacy-db mysql://root@127.0.0.1:3306/billing_legacy --reset
 *   npx siphon check -c examples/billing/siphon.config.ts --sample 1000
 */
import { defineMigration } from '../../src/config/define.js';
import { billingEntities, billingTables } from './mapping/tables.js';

export default defineMigration({
  name: 'billing',
  legacy: {
    db: process.env.BILLING_LEGACY_URL ?? 'mysql://root@127.0.0.1:3306/billing_legacy',
    // the legacy servers ran on Paris time; DATETIME columns are local
    timezone: 'Europe/Paris',
    ...(process.env.BILLING_LEGACY_HTTP ? { http: process.env.BILLING_LEGACY_HTTP } : {}),
  },
  next: {
    db: process.env.BILLING_NEXT_URL ?? 'postgres://postgres@127.0.0.1:5432/billing_next',
    ...(process.env.BILLING_NEXT_HTTP ? { http: process.env.BILLING_NEXT_HTTP } : {}),
  },
  entities: billingEntities,
  tables: billingTables(),
});
