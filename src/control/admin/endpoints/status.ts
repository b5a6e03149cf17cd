import { defaultMethod } from '../../../capture/open.js';
import { defaultSlotName } from '../../../capture/pgoutput/slot.js';
import { APPLY_CONSUMER } from '../../../backfill/data-path.js';
import type { ResolvedConfig } from '../../../config/types.js';
import { DEFAULT_SOURCE, openForReading } from '../../../migrate/sources.js';
import { collectStatus, type MigrationStatus } from '../../../migrate/status.js';
import { probesFor } from '../../../migrate/wiring.js';

/**
 * Where the migration stands (what `siphon status` prints): opens the legacy and next databases, the state store and
 * the log for reading only, then closes them. Shared by the CLI (no-server mode) and `GET /status`.
 */
export async function migrationStatus(config: ResolvedConfig, source = DEFAULT_SOURCE): Promise<MigrationStatus> {
  const src = await openForReading(config);
  try {
    return await collectStatus({
      config, legacy: src.legacy, next: src.next, store: src.store, log: src.log, probes: probesFor(src.next, src.store),
      source, method: defaultMethod(src.legacy.dialect), slot: defaultSlotName(source), consumer: APPLY_CONSUMER,
    });
  } finally { await src.close(); }
}

/** Problems found: a failed check, or a figure that could not be read; a migration still running is not one. */
export function statusFailed(status: MigrationStatus): boolean {
  return status.tables.some((t) => t.check?.ok === false || t.errors.length > 0);
}
