/**
 * The billing system with a migration running for aspire's tests: legacy generated (SQLite or MariaDB), next's schema
 * created (SQLite or PostgreSQL), `startMigration` running capture → log → data path → apply WITHOUT backfill (so
 * next holds an entity only when aspire put it there), and its aspirer. Plain-SQL helpers judge the end states.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApplier } from '../../src/apply/applier.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { startMigration, type RunningMigration } from '../../src/migrate/run.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { billingEntities, billingTables } from '../../examples/billing/mapping/tables.js';
import { nextDdl } from '../../examples/billing/next/schema.js';
import { freshDatabase, type FreshDatabase } from '../support/engines.js';

export type Combo = 'sqlite' | 'mariadb-postgres';

export interface AspireWorld {
  readonly combo: Combo;
  readonly config: ResolvedConfig;
  readonly legacy: Database;
  readonly next: Database;
  readonly state: StateStore;
  readonly nextUrl: string;
  readonly stateUrl: string;
  migration: RunningMigration;
  start(): Promise<RunningMigration>;
  drop(): Promise<void>;
}

export const ENTITY_TABLES = [['CLIENT', 'customers', 'CLI_ID', 'id'], ['CONTRAT', 'contracts', 'CLI_ID', 'customer_id'], ['FACTURE', 'invoices', 'CLI_ID', 'customer_id'],
  ['LIGNE_FACT', 'invoice_lines', 'CLI_ID', 'customer_id'], ['REGLEMENT', 'payments', 'CLI_ID', 'customer_id']] as const;

export async function aspireWorld(combo: Combo, customers: number, seed = 5, o: { migratedColumn?: string } = {}): Promise<AspireWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'siphon-aspire-'));
  const dbs: FreshDatabase[] = [];
  let legacyUrl: string, nextUrl: string, stateUrl: string;
  if (combo === 'sqlite') {
    legacyUrl = `sqlite:${join(dir, 'legacy.sqlite')}`; nextUrl = `sqlite:${join(dir, 'next.sqlite')}`; stateUrl = `sqlite:${join(dir, 'state.sqlite')}`;
  } else {
    const l = await freshDatabase('mysql', 'aspire_legacy'); const n = await freshDatabase('postgres', 'aspire_next'); const st = await freshDatabase('postgres', 'aspire_state');
    dbs.push(l, n, st);
    legacyUrl = l.url; nextUrl = n.url; stateUrl = st.url; // a database of its own: "next down" must not take the state store with it
  }
  await generateLegacy({ legacy: legacyUrl, customers, seed, dirty: 0, progress: false, reset: true });
  const legacy = await openDatabase(legacyUrl);
  const next = await openDatabase(nextUrl);
  for (const s of nextDdl(combo === 'sqlite' ? 'sqlite' : 'postgres')) await next.execute(s);
  if (o.migratedColumn) await legacy.execute(`ALTER TABLE CLIENT ADD COLUMN ${o.migratedColumn} VARCHAR(32) NULL`);
  const config = resolveConfig({
    name: 'aspire', legacy: { db: legacyUrl, timezone: 'Europe/Paris' }, next: { db: nextUrl }, state: stateUrl, log: `sqlite:${join(dir, 'log.sqlite')}`,
    entities: o.migratedColumn ? { customer: { root: 'CLIENT', migratedColumn: o.migratedColumn } } : billingEntities, tables: billingTables(),
  });
  const state = await openStateStore(config.state);
  const start = () => startMigration({
    config, source: 'legacy', slot: 'aspire', backfill: false, capturePollMs: 5,
    ...(combo === 'sqlite' ? { legacy } : {}),
    openApplier: async (c) => {
      const a = await createApplier({ config: c, next, state });
      return { apply: (i, o) => a.apply(i, o), checkpoint: (x) => a.checkpoint(x), appliedVersion: (t, k) => a.appliedVersion(t, k), close: () => a.close() };
    },
    aspire: { leaseMs: 5_000, chunks: { timeoutMs: 20_000 } },
  });
  const world: AspireWorld = {
    combo, config, legacy, next, state, nextUrl, stateUrl, migration: await start(), start,
    async drop() {
      await world.migration.stop().catch(() => undefined);
      await state.close(); await legacy.close(); await next.close();
      for (const d of dbs) await d.drop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Rows of one customer per legacy table (plain SQL), and the same counts in next. */
export async function entityCounts(w: AspireWorld, id: number): Promise<{ legacy: number[]; next: number[] }> {
  const legacy: number[] = [], next: number[] = [];
  for (const [lt, nt, lc, nc] of ENTITY_TABLES) {
    legacy.push(Number(plain((await w.legacy.query(`SELECT COUNT(*) AS n FROM ${lt} WHERE ${lc} = ?`, [id]))[0]!['n'])));
    next.push(Number(plain((await w.next.query(`SELECT COUNT(*) AS n FROM ${nt} WHERE ${nc} = ?`, [id]))[0]!['n'])));
  }
  return { legacy, next };
}

/** A canonical value (or a plain one) as a plain JS value. */
export function plain(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'v' in (v as object)) return (v as { v: unknown }).v;
  return v;
}
