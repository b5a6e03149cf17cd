import { openDatabase } from '../../backends/open.js';
import type { Database } from '../../backends/types.js';
import type { CaptureMethod } from '../../capture/types.js';
import { assertNever } from '../../errors.js';
import { DemoUsageError } from '../errors.js';
import { loadConfig } from '../../config/load.js';
import type { ResolvedConfig } from '../../config/types.js';
import { migrationWiring } from '../../migrate/wiring.js';
import { setBackfillPause } from '../../backfill/pause.js';
import { openStateStore } from '../../state/open.js';
import type { StateStore } from '../../state/types.js';
import { toPlain } from '../../values/plain.js';
import { startMigration, type RunningMigration } from '../../migrate/run.js';
import { runTraffic } from '../../../examples/billing/traffic/run-traffic.js';
import { nextDdl } from '../../../examples/billing/next/schema.js';
import type { DemoContext, DemoStep } from '../types.js';
import { demoConfigFile } from './demo-config.js';

export const DEMO_SOURCE = 'legacy';
export const DEMO_SLOT = 'siphon_demo';
/** The actor of the demo's own operator actions in the audit trail. */
export const DEMO_ACTOR = 'siphon demo';

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

/** The legacy table of the customer entity's root: its backfill is the one the demo pauses part-way. */
export const ROOT_TABLE = 'CLIENT';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The real data path, as `siphon migrate` runs it: capture first (triggers, binlog or logical decoding, into the
 * demo's log), the data path (log → DBLog merger → apply into next, versions and checkpoint in next), then the
 * backfill in chunks — while the legacy app takes traffic. The backfill copies one table at a time, the customers
 * table last, and the demo pauses it (the operator pause `siphon backfill pause` sets, audited) once its first chunk
 * of customers is copied: the customers above are in legacy only, for aspire on first touch later; the owner step
 * resumes it. The migration keeps following legacy until the captured step drains and stops it.
 */
export const migrateStep: DemoStep = {
  id: 'migrate',
  title: 'Migrate for real: capture + backfill + apply while the legacy app takes writes; pause the backfill part-way through the customers',
  async run(ctx) {
    if (!ctx.legacyApp) throw new Error('the legacy app is not running');
    const config = await demoMigrationConfig(ctx);
    ctx.migrationConfig = config;
    if (!ctx.legacyDb || !ctx.nextDb) throw new Error('the databases are not open');
    const store = await openStateStore(ctx.stateUrl);
    ctx.onClose(() => store.close());
    // one handle per SQLite file in this process (the apps use the same ones): see CaptureRunOptions.legacy
    const wiring = await migrationWiring({ next: ctx.nextDb });
    const method = demoCaptureMethod(ctx.legacyDb);
    ctx.captureMethod = method;
    const { trafficSeconds, rate, customers, seed } = ctx.options;
    const m = await startMigration({
      config: rootLast(config), source: DEMO_SOURCE, slot: DEMO_SLOT, method, openApplier: wiring.openApplier, legacy: ctx.legacyDb,
      capturePollMs: 5, reapplyPollMs: 200,
      // one table at a time, small chunks and the pause read before every chunk: the pause lands inside the
      // customers table (at least a dozen chunks) whatever the machine's speed, never inside a table copied before it
      parallelTables: 1, backfillOrder: 'config', chunkSize: Math.min(5000, Math.max(1, Math.floor(customers / 12))), throttle: { checkIntervalMs: 20 },
    });
    ctx.migration = m;
    ctx.onClose(async () => { await m.stop().catch(() => undefined); });
    const writesBefore = Object.values(ctx.legacyWrites).reduce((a, b) => a + b, 0);
    const [traffic, paused] = await Promise.all([
      trafficSeconds > 0 ? runTraffic({ target: ctx.legacyApp.url, rate, durationS: trafficSeconds, users: 50, seed: `${seed}:migrate`, customers }) : Promise.resolve(null),
      pauseInsideRoot(m, store),
    ]);
    await m.drain();
    const p = await m.progress();
    const writes = Object.values(ctx.legacyWrites).reduce((a, b) => a + b, 0) - writesBefore;
    const tables = p.backfill?.tables ?? [];
    const root = tables.find((t) => t.table === ROOT_TABLE);
    ctx.backfillReach = root ? await reachOf(ctx.legacyDb, root.rowsCopied) : customers;
    const copied = tables.reduce((a, t) => a + t.rowsCopied, 0);
    // counted in the databases, not by the backfill (its last chunk in flight at the pause is applied but not yet counted)
    const legacyCustomers = await countRows(ctx.legacyDb, ROOT_TABLE);
    const left = legacyCustomers - await countRows(ctx.nextDb, 'customers');
    return {
      summary: `${copied.toLocaleString('en')} legacy rows copied in chunks while the legacy app committed ${writes} writes; ${p.changesApplied} captured changes applied; `
        + `backfill paused with ${left} of ${legacyCustomers} customers not in next`,
      details: {
        tables, changesApplied: p.changesApplied, chunkRowsApplied: p.chunkRowsApplied, legacyWrites: writes, traffic, applyCheckpoint: p.applyCheckpoint,
        pause: { ...paused, customersLeft: left, reach: ctx.backfillReach },
      },
      lines: [
        ...tables.map((t) => `${t.table}: ${t.rowsCopied} rows in ${t.chunksDone} chunk(s), ${t.state}${t.rowsEvicted ? `, ${t.rowsEvicted} chunk row(s) dropped for a newer captured change` : ''}`),
        `backfill paused by the operator (audited backfill.pause): customers up to id ${ctx.backfillReach} are in next, ${left} are in legacy only (some quarantined) until aspire pulls them or the backfill resumes`,
        'capture and apply keep running: every legacy write still reaches next',
      ],
    };
  },
};

/** The config with the customers table last, so that the one-table-at-a-time backfill copies it after the others. */
function rootLast(config: ResolvedConfig): ResolvedConfig {
  const { [ROOT_TABLE]: root, ...rest } = config.tables;
  return root ? { ...config, tables: { ...rest, [ROOT_TABLE]: root } } : config;
}

/**
 * Waits until the customers table's first chunk is copied, sets the operator pause and waits until the backfill holds on it.
 * Bounded (a stuck backfill fails the step with what it was doing, never hangs the demo).
 */
async function pauseInsideRoot(m: RunningMigration, store: StateStore): Promise<{ pausedAt: number; rowsWhenAsked: number }> {
  const deadline = Date.now() + 150_000;
  let asked: number | null = null;
  for (;;) {
    const b = (await m.progress()).backfill;
    const root = b?.tables.find((t) => t.table === ROOT_TABLE);
    if (b?.state === 'failed') throw new Error(`the backfill failed: ${b.error}`);
    if (root?.state === 'done') {
      throw new Error(`the backfill finished the ${ROOT_TABLE} table before the pause took effect (${root.rowsCopied} rows): nothing would be left for aspire on first touch`);
    }
    // asked as soon as the first chunk of customers is in: waiting for a share (40 % was tried) lost the race on a
    // loaded machine 3 times in 12, the poller seeing the table done before the share; this leaves ~11 chunks of margin
    if (asked === null && root && root.rowsCopied > 0) {
      asked = root.rowsCopied;
      await setBackfillPause(store, true, 'siphon demo: hold the customers not copied yet for aspire on first touch', new Date(), DEMO_ACTOR);
    }
    if (asked !== null && b?.state === 'paused' && b.pauseReason?.kind === 'operator') return { pausedAt: root!.rowsCopied, rowsWhenAsked: asked };
    if (Date.now() > deadline) throw new Error(`the backfill did not reach the pause point in time (state ${b?.state}, ${ROOT_TABLE} ${root?.rowsCopied ?? 0} rows)`);
    await sleep(5);
  }
}

async function countRows(db: Database, table: string): Promise<number> {
  return Number(toPlain((await db.query(`SELECT COUNT(*) AS n FROM ${db.quoteIdent(table)}`))[0]?.['n'] ?? null));
}

/** The highest customer id the backfill reached: it copies in key order, so its first `rows` rows by key. */
async function reachOf(legacy: Database, rows: number): Promise<number> {
  if (rows <= 0) return 0;
  const id = legacy.quoteIdent('CLI_ID');
  const r = await legacy.query(`SELECT ${id} AS id FROM ${legacy.quoteIdent(ROOT_TABLE)} ORDER BY ${id} LIMIT 1 OFFSET ${rows - 1}`);
  return Number(toPlain(r[0]?.['id'] ?? null));
}
