import type { Applier } from '../apply/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { MigrateError } from './errors.js';
import type { BackfillDriver, MigrationParts } from './run.js';

/** The apply and backfill implementations `siphon migrate` runs (imported on demand: status never loads them). */
export interface MigrationWiring {
  openApplier(config: ResolvedConfig): Promise<Applier>;
  openBackfill(parts: MigrationParts): Promise<BackfillDriver>;
}

export async function openMigrationParts(): Promise<MigrationWiring> {
  return {
    openApplier: async () => { throw new MigrateError('MIGRATE_NO_APPLY', 'apply is not built into this Siphon yet'); },
    openBackfill: async () => { throw new MigrateError('MIGRATE_NO_BACKFILL', 'backfill is not built into this Siphon yet'); },
  };
}
