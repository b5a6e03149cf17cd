import { afterAll, beforeAll, describe } from 'vitest';
import type { StateStore } from '../../src/state/types.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';
import { auditContract } from './contract/audit.js';
import { checkpointsSettingsDiffsContract } from './contract/checkpoints-settings-diffs.js';
import { isolatedUrl, open, raw, type ContractContext } from './contract/context.js';
import { crashContract } from './contract/crash.js';
import { ledgerContract } from './contract/ledger.js';
import { ledgerFeedContract } from './contract/ledger-feed.js';
import { migrationsContract } from './contract/migrations.js';
import { quarantineContract } from './contract/quarantine.js';
import { routesContract } from './contract/routes.js';

// One contract, every adapter, the real engine: a fresh database per adapter, two independent stores on it (the
// second stands for another process). Sections run in order and share the store, each using its own names.
describe.each(['sqlite', 'postgres'] as const)('state store contract: %s', (dialect) => {
  let db: FreshDatabase;
  let store: StateStore | undefined;
  let other: StateStore | undefined;
  const ctx: ContractContext = {
    dialect,
    store: () => store!,
    other: () => other!,
    isolatedUrl: (name) => isolatedUrl(dialect, db.url, name),
    raw: (url, sql) => raw(url, sql),
    get url() { return db.url; },
  };

  beforeAll(async () => {
    db = await freshDatabase(dialect, 'siphon_state');
    store = await open(db.url);
    other = await open(db.url);
  });

  afterAll(async () => {
    await store?.close();
    await other?.close();
    await db?.drop();
  });

  describe('ledger', () => ledgerContract(ctx));
  describe('ledger change feed', () => ledgerFeedContract(ctx));
  describe('routes and audit atomicity', () => routesContract(ctx));
  describe('audit trail', () => auditContract(ctx));
  describe('quarantine', () => quarantineContract(ctx));
  describe('checkpoints, settings, diffs', () => checkpointsSettingsDiffsContract(ctx));
  describe('schema migrations', () => migrationsContract(ctx));
  describe('crash safety', () => crashContract(ctx));
});
