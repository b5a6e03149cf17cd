import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../backends/open.js';
import type { Database } from '../../backends/types.js';
import { redactUrl } from '../../backends/url.js';
import { DemoUsageError } from '../errors.js';
import type { DemoStep } from '../types.js';

/** The demo's own files, recreated on every run (nothing else in the folder is touched). */
export const DEMO_FILES = ['legacy.sqlite', 'next.sqlite', 'log.sqlite', 'state.sqlite', 'admin-tokens'];

/** What the demo creates in a server database: the billing tables of each side and Siphon's own. */
const LEGACY_TABLES = new Set(['client', 'contrat', 'facture', 'ligne_fact', 'reglement']);
const NEXT_TABLES = new Set(['customers', 'contracts', 'invoices', 'invoice_lines', 'payments']);
const isSiphons = (t: string) => /^siphon_/i.test(t);

/**
 * A server database given to the demo is recreated like the demo's files, so it must hold nothing else: a database
 * with other tables is refused (exit 2) before anything is dropped.
 */
async function checkDisposable(url: string, side: 'legacy' | 'next', ours: ReadonlySet<string>): Promise<void> {
  let db: Database | undefined;
  try {
    db = await openDatabase(url);
    const foreign = (await db.listTables()).filter((t) => !ours.has(t.toLowerCase()) && !isSiphons(t));
    if (foreign.length > 0) {
      throw new DemoUsageError(`the ${side} database ${redactUrl(url)} holds tables the demo did not create (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? '…' : ''}); the demo drops and recreates its tables: give it an empty database`);
    }
    if (db.dialect === 'postgres') {
      // apply's versions and checkpoint of an earlier run would make this run's rows look old: start clean
      if (side === 'next') await db.execute('DROP SCHEMA IF EXISTS siphon CASCADE');
      else await db.execute(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'siphon_demo' AND NOT active`);
    } else {
      for (const t of (await db.listTables()).filter(isSiphons)) await db.execute(`DROP TABLE ${db.quoteIdent(t)}`);
    }
  } finally { await db?.close(); }
}

export const prepareStep: DemoStep = {
  id: 'prepare',
  title: 'Prepare the demo folder',
  async run(ctx) {
    mkdirSync(ctx.options.dir, { recursive: true });
    for (const f of DEMO_FILES) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(join(ctx.options.dir, f + suffix), { force: true });
    if (ctx.options.legacyDb) await checkDisposable(ctx.options.legacyDb, 'legacy', LEGACY_TABLES);
    if (ctx.options.nextDb) await checkDisposable(ctx.options.nextDb, 'next', NEXT_TABLES);
    const where = ctx.options.legacyDb || ctx.options.nextDb
      ? `legacy ${redactUrl(ctx.legacyUrl)}, next ${redactUrl(ctx.nextUrl)}; log and state store in ${ctx.options.dir}`
      : `embedded SQLite only, in ${ctx.options.dir}`;
    return { summary: where, details: { dir: ctx.options.dir, legacy: redactUrl(ctx.legacyUrl), next: redactUrl(ctx.nextUrl), log: ctx.logUrl, state: ctx.stateUrl } };
  },
};
