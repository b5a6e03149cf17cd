/**
 * The billing system behind the gateway in `owner` mode with aspire on first touch, in one process, on SQLite files:
 * generated legacy, the legacy and next apps, `startMigration` (capture + data path, no backfill: entities move only
 * when aspired) serving aspire, a gateway whose owner router follows the ledger. Used by the owner-mode billing test
 * (test/gateway/billing-owner.int.test.ts) and by `npm run bench:aspire`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { startLegacyApp, startNextApp, type RunningApp } from '../../examples/billing/index.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { nextDdl } from '../../examples/billing/next/schema.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { loadConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { LedgerCache } from '../../src/gateway/owner/ledger-cache.js';
import { OwnerRouter } from '../../src/gateway/owner/owner-router.js';
import type { RouteSpec } from '../../src/gateway/routing/route.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { startMigration, type RunningMigration } from '../../src/migrate/run.js';
import { migrationWiring } from '../../src/migrate/wiring.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import type { LocalAspirer } from '../../src/aspire/aspirer.js';

export interface OwnerScenarioOptions {
  /** A folder for the SQLite files (legacy, next, state, log; with `mariadb-postgres`, the log only). */
  readonly dir: string;
  /**
   * `sqlite` (default): every database a SQLite file. `mariadb-postgres`: legacy on MariaDB (binary log capture),
   * next and the state store on PostgreSQL, each a fresh database dropped by `close()` (asynchronous drivers: the
   * gateway's event loop is not blocked by a synchronous SQLite call or a busy wait in this one process).
   */
  readonly engines?: 'sqlite' | 'mariadb-postgres';
  readonly customers: number;
  readonly seed?: number;
  /** Share of legacy rows with a defect (some entities then quarantine). Default 0. */
  readonly dirty?: number;
  /** The route's aspire budget (ms). Default 200. */
  readonly budgetMs?: number;
  /** The gateway's ledger feed poll (ms). Default 50. */
  readonly pollMs?: number;
  /** Next app URL override (e.g. a refused port: next down). */
  readonly nextHttp?: string;
}

export interface OwnerScenario {
  readonly gatewayUrl: string;
  readonly legacyApp: RunningApp;
  readonly nextApp: RunningApp;
  readonly legacyDb: Database;
  readonly nextDb: Database;
  readonly urls: { readonly legacy: string; readonly next: string; readonly state: string; readonly log: string };
  readonly config: ResolvedConfig;
  readonly migration: RunningMigration;
  readonly aspirer: LocalAspirer;
  readonly store: StateStore;
  readonly cache: LedgerCache;
  readonly router: OwnerRouter;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

export const OWNER_ROUTE = (budgetMs: number): RouteSpec => ({
  id: 'customers', match: { methods: ['GET'], path: '/customers/:id' }, mode: { kind: 'owner' }, entity: 'customer',
  entityKey: { from: 'param', name: 'id' }, aspireOnFirstTouch: true, aspireBudgetMs: budgetMs,
});

const CONFIG = fileURLToPath(new URL('../../examples/billing/siphon.sqlite.config.ts', import.meta.url));

export async function startOwnerScenario(o: OwnerScenarioOptions): Promise<OwnerScenario> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => { for (const c of closers.reverse()) await c().catch(() => undefined); };
  const sqlite = (o.engines ?? 'sqlite') === 'sqlite';
  const urls = sqlite ? {
    legacy: `sqlite:${join(o.dir, 'legacy.sqlite')}`, next: `sqlite:${join(o.dir, 'next.sqlite')}`,
    state: `sqlite:${join(o.dir, 'state.sqlite')}`, log: `sqlite:${join(o.dir, 'log.sqlite')}`,
  } : {
    legacy: await freshServerDb('mysql', closers), next: await freshServerDb('postgres', closers),
    state: await freshServerDb('postgres', closers), log: `sqlite:${join(o.dir, 'log.sqlite')}`,
  };
  try {
    await generateLegacy({ legacy: urls.legacy, customers: o.customers, seed: o.seed ?? 1, dirty: o.dirty ?? 0, progress: false, reset: true });
    const legacyDb = await openDatabase(urls.legacy);
    closers.push(() => legacyDb.close());
    const nextDb = await openDatabase(urls.next);
    closers.push(() => nextDb.close());
    await nextDb.transaction(async (tx) => { for (const s of nextDdl(sqlite ? 'sqlite' : 'postgres', { reset: true })) await tx.execute(s); });
    const base = await loadConfig(CONFIG);
    const config: ResolvedConfig = { ...base, legacy: { ...base.legacy, db: urls.legacy }, next: { ...base.next, db: urls.next }, state: urls.state, log: urls.log };
    const legacyApp = await startLegacyApp({ db: legacyDb });
    closers.push(() => legacyApp.close());
    const nextApp = await startNextApp({ db: nextDb });
    closers.push(() => nextApp.close());
    // one handle per SQLite file in this process, shared with the apps (see CaptureRunOptions.legacy)
    const wiring = await migrationWiring({ next: nextDb });
    const migration = await startMigration({
      config, source: 'legacy', slot: 'siphon_legacy', openApplier: wiring.openApplier, ...(sqlite ? { legacy: legacyDb } : {}),
      capturePollMs: 5, reapplyPollMs: 500, backfill: false,
    });
    closers.push(() => migration.stop());
    if (!migration.aspirer) throw new Error('the migration serves no aspire (no entities in the config?)');
    const aspirer = migration.aspirer;
    const store = await openStateStore(urls.state);
    closers.push(() => store.close());
    const cache = await LedgerCache.start(store, { pollMs: o.pollMs ?? 50 });
    closers.push(() => cache.close());
    const router = new OwnerRouter({ ledger: cache, aspirer, actor: 'gateway:test' });
    const gateway = createGateway({
      legacy: legacyApp.url, next: o.nextHttp ?? nextApp.url, routes: [OWNER_ROUTE(o.budgetMs ?? 200)], owner: router,
      limits: { clientShare: 1 },
    });
    const port = (await gateway.listen(0)).port;
    closers.push(() => gateway.close());
    return {
      gatewayUrl: `http://127.0.0.1:${port}`, legacyApp, nextApp, legacyDb, nextDb, urls, config, migration, aspirer,
      store, cache, router, gateway, close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

const MY_ADMIN = process.env.SIPHON_TEST_MY_URL ?? 'mysql://root@127.0.0.1:3306/mysql';
const PG_ADMIN = process.env.SIPHON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on the MariaDB or PostgreSQL server; dropped by the scenario's close. */
async function freshServerDb(kind: 'mysql' | 'postgres', closers: (() => Promise<unknown>)[]): Promise<string> {
  const name = `siphon_owner_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new URL(kind === 'mysql' ? MY_ADMIN : PG_ADMIN);
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  if (kind === 'mysql') {
    const c = await mysql.createConnection(admin.toString());
    try { await c.query(`CREATE DATABASE \`${name}\``); } finally { await c.end(); }
    closers.push(async () => { const d = await mysql.createConnection(admin.toString()); try { await d.query(`DROP DATABASE IF EXISTS \`${name}\``); } finally { await d.end(); } });
  } else {
    const c = new pg.Client({ connectionString: admin.toString() });
    await c.connect();
    try { await c.query(`CREATE DATABASE ${name}`); } finally { await c.end(); }
    closers.push(async () => {
      const d = new pg.Client({ connectionString: admin.toString() });
      await d.connect();
      try {
        await d.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active', [name]);
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally { await d.end(); }
    });
  }
  return url.toString();
}
