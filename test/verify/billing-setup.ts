/**
 * The billing system migrating for real, for verify's tests and bench: MariaDB legacy (generated), PostgreSQL next,
 * `runMigration` (capture → log → data path → apply, backfill) running in the background until stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApplier } from '../../src/apply/applier.js';
import type { Applier } from '../../src/apply/types.js';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { openLog } from '../../src/log/open.js';
import type { EventLog } from '../../src/log/types.js';
import { runMigration, type MigrateProgress } from '../../src/migrate/run.js';
import { openStateStore } from '../../src/state/open.js';
import type { StateStore } from '../../src/state/types.js';
import { generateLegacy } from '../../examples/billing/generate/generate-legacy.js';
import { billingEntities, billingTables } from '../../examples/billing/mapping/tables.js';
import { nextDdl } from '../../examples/billing/next/schema.js';
import { freshDatabase } from '../support/engines.js';

export interface BillingMigration {
  readonly config: ResolvedConfig;
  readonly legacy: Database;
  readonly next: Database;
  readonly state: StateStore;
  readonly log: EventLog;
  /** An applier used only for its checkpoint (verify's re-check barrier). */
  readonly applier: Applier;
  /** Resolves once the backfill is done and apply caught up. */
  readonly copied: Promise<void>;
  /** Stops the migration and drops everything. */
  drop(): Promise<void>;
}

export async function billingMigration(customers: number, seed = 7): Promise<BillingMigration> {
  const l = await freshDatabase('mysql', 'verify_billing_legacy');
  const n = await freshDatabase('postgres', 'verify_billing_next');
  const dir = mkdtempSync(join(tmpdir(), 'siphon-verify-billing-'));
  await generateLegacy({ legacy: l.url, customers, seed, dirty: 0, progress: false });
  const legacy = await openDatabase(l.url);
  const next = await openDatabase(n.url);
  for (const s of nextDdl('postgres')) await next.execute(s);
  const config = resolveConfig({
    name: 'billing-verify', legacy: { db: l.url, timezone: 'Europe/Paris' }, next: { db: n.url },
    state: `sqlite:${join(dir, 'state.sqlite')}`, log: `sqlite:${join(dir, 'log.sqlite')}`,
    entities: billingEntities, tables: billingTables(),
  });
  const state = await openStateStore(config.state);
  const log = await openLog(config.log);
  const stop = new AbortController();
  let resolveCopied!: () => void;
  const copied = new Promise<void>((r) => { resolveCopied = r; });
  const running = runMigration({
    config, source: 'legacy', slot: 'verify', signal: stop.signal, chunkSize: 2000, progressEveryMs: 200,
    openApplier: (c) => createApplier({ config: c, next, state }),
    onProgress: (p: MigrateProgress) => { if (p.backfill?.state === 'done' && (p.applyLagSeconds ?? 0) < 1) resolveCopied(); },
  });
  running.catch(() => resolveCopied());
  const applier = await createApplier({ config, next, state });
  return {
    config, legacy, next, state, log, applier,
    copied: Promise.race([copied, running.then(() => undefined)]),
    async drop() {
      stop.abort();
      await running.catch(() => undefined);
      await applier.close();
      await log.close();
      await state.close();
      await legacy.close();
      await next.close();
      await l.drop();
      await n.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
