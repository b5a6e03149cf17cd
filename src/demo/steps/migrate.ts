import { openDatabase } from '../../backends/open.js';
import type { Database } from '../../backends/types.js';
import type { CaptureMethod } from '../../capture/types.js';
import { assertNever } from '../../errors.js';
import { DemoUsageError } from '../errors.js';
import { loadConfig } from '../../config/load.js';
import type { ResolvedConfig } from '../../config/types.js';
import { startMigration } from '../../migrate/run.js';
import { migrationWiring } from '../../migrate/wiring.js';
import { runTraffic } from '../../../examples/billing/traffic/run-traffic.js';
import { nextDdl } from '../../../examples/billing/next/schema.js';
import type { DemoContext, DemoStep } from '../types.js';
import { demoConfigFile } from './demo-config.js';

export const DEMO_SOURCE = 'legacy';
export const DEMO_SLOT = 'siphon_demo';

/** Each engine's own change stream: triggers on SQLite, the binary log on MariaDB, logical decoding on PostgreSQL. */
export function demoCaptureMethod(legacy: Database): CaptureMethod {
  switch (legacy.dialect) {
    case 'sqlite': return 'trigger';
    case 'mysql': return 'binlog';
    case 'postgres': return 'pgoutput';
    default: return assertNever(legacy.dialect, 'legacy dialect');
  }
}

/** The billing mappings of examples/billing/siphon.sqlite.config.ts, on the demo folder's files. */
export async function demoMigrationConfig(ctx: DemoContext): Promise<ResolvedConfig> {
  const c = await loadConfig(demoConfigFile());
  return { ...c, legacy: { ...c.legacy, db: ctx.legacyUrl }, next: { ...c.next, db: ctx.nextUrl }, state: ctx.stateUrl, log: ctx.logUrl };
}

/** The next billing schema, created empty (the next system's own DDL; migrate fills it). */
export const nextSchemaStep: DemoStep = {
  id: 'next-schema',
  title: 'Create the empty next database (the new system\'s own schema)',
  async run(ctx) {
    ctx.nextDb = await openDatabase(ctx.nextUrl);
    const db = ctx.nextDb;
    ctx.onClose(() => db.close());
    if (db.dialect === 'mysql') throw new DemoUsageError('next on MariaDB is not part of the demo: give a PostgreSQL or SQLite next database');
    const ddl = nextDdl(db.dialect, { reset: true });
    await db.transaction(async (tx) => { for (const s of ddl) await tx.execute(s); });
    return { summary: `${(await db.listTables()).length} empty tables in ${ctx.nextUrl}` };
  },
};

/**
 * The real data path, as `siphon migrate` runs it: capture first (triggers, into the demo's log), the data path
 * (log → DBLog merger → apply into next, versions and checkpoint in next), then backfill of every table in chunks —
 * while the legacy app takes traffic. The migration keeps following legacy through the later steps (the gateway's
 * shadow reads see migrated data) until the captured step drains and stops it.
 */
export const migrateStep: DemoStep = {
  id: 'migrate',
  title: 'Migrate for real: capture + backfill + apply while the legacy app takes writes',
  async run(ctx) {
    if (!ctx.legacyApp) throw new Error('the legacy app is not running');
    const config = await demoMigrationConfig(ctx);
    ctx.migrationConfig = config;
    if (!ctx.legacyDb || !ctx.nextDb) throw new Error('the databases are not open');
    // one handle per SQLite file in this process (the apps use the same ones): see CaptureRunOptions.legacy
    const wiring = await migrationWiring({ next: ctx.nextDb });
    const method = demoCaptureMethod(ctx.legacyDb);
    ctx.captureMethod = method;
    const m = await startMigration({ config, source: DEMO_SOURCE, slot: DEMO_SLOT, method, openApplier: wiring.openApplier, legacy: ctx.legacyDb, capturePollMs: 5, reapplyPollMs: 200 });
    ctx.migration = m;
    ctx.onClose(async () => { await m.stop().catch(() => undefined); });
    const { trafficSeconds, rate, customers, seed } = ctx.options;
    const writesBefore = Object.values(ctx.legacyWrites).reduce((a, b) => a + b, 0);
    const [traffic] = await Promise.all([
      trafficSeconds > 0 ? runTraffic({ target: ctx.legacyApp.url, rate, durationS: trafficSeconds, users: 50, seed: `${seed}:migrate`, customers }) : Promise.resolve(null),
      Promise.race([m.backfillDone, m.failed]),
    ]);
    await m.drain();
    const p = await m.progress();
    const writes = Object.values(ctx.legacyWrites).reduce((a, b) => a + b, 0) - writesBefore;
    const tables = p.backfill?.tables ?? [];
    const copied = tables.reduce((a, t) => a + t.rowsCopied, 0);
    return {
      summary: `${copied.toLocaleString('en')} legacy rows copied in chunks while the legacy app committed ${writes} writes; ${p.changesApplied} captured changes applied; next caught up`,
      details: { tables, changesApplied: p.changesApplied, chunkRowsApplied: p.chunkRowsApplied, legacyWrites: writes, traffic, applyCheckpoint: p.applyCheckpoint },
      lines: tables.map((t) => `${t.table}: ${t.rowsCopied} rows in ${t.chunksDone} chunk(s)${t.rowsEvicted ? `, ${t.rowsEvicted} chunk row(s) dropped for a newer captured change` : ''}`),
    };
  },
};
