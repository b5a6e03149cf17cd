import type { Applier } from '../apply/types.js';
import type { Database } from '../backends/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { MigrateError } from './errors.js';

/** The apply implementation `siphon migrate` runs (imported on demand: the reading commands never load it). */
export interface MigrationWiring {
  openApplier(config: ResolvedConfig): Promise<Applier>;
}

export async function migrationWiring(): Promise<MigrationWiring> {
  return {
    openApplier: async () => { throw new MigrateError('MIGRATE_NO_APPLY', 'apply is not built into this Siphon yet'); },
  };
}

/** What `siphon status` reads from apply's tables in next, creating nothing. */
export interface ApplyReader {
  /** A checkpoint stored by apply (its log offset, or a backfill chunk cursor); null when absent. */
  checkpoint(consumer: string): Promise<string | null>;
  /** Legacy rows of `table` whose current image is in next (row versions, tombstones excluded); null when unknown. */
  migratedRows(table: string): Promise<number | null>;
}

export function applyReader(_next: Database): ApplyReader {
  return { checkpoint: async () => null, migratedRows: async () => null };
}
