import type { Command } from 'commander';
import { defaultMethod } from '../../capture/open.js';
import { defaultSlotName } from '../../capture/pgoutput/slot.js';
import { renderStatus } from '../../migrate/render-status.js';
import { APPLY_CONSUMER } from '../../backfill/data-path.js';
import { DEFAULT_SOURCE, migrationConfig, openForReading } from '../../migrate/sources.js';
import { collectStatus } from '../../migrate/status.js';
import { probesFor } from '../../migrate/wiring.js';
import { EXIT_OK, EXIT_PROBLEMS } from '../exit-codes.js';
import { healthUrlOf, readStartStatus, renderStartStatus } from '../../control/start/read-status.js';
import { err, out, printJson } from '../output.js';
import { redactSecrets } from '../../observe/logger.js';

interface Flags { config?: string; json?: boolean; source: string; health?: string }

/**
 * `siphon status`: per table legacy rows, migrated, quarantined by reason, next rows, backfill progress; capture and
 * apply lag; and once backfill is done the check `legacy = migrated + quarantined` per table (exit 1 when one fails).
 * Reads only: it never creates the stores it reads.
 */
export function registerStatus(program: Command): void {
  program.command('status')
    .description('where the migration stands: per table legacy/migrated/quarantined rows, backfill, capture and apply lag, and the check legacy = migrated + quarantined (exit 1 when it fails)')
    .option('-c, --config <file>', 'the migration config (default siphon.config.ts when present)')
    .option('--source <name>', 'capture source name in the log', DEFAULT_SOURCE)
    .option('--health <url>', 'health URL of a running `siphon start` whose components to show (default: from start.health in the config)')
    .option('--json', 'print one JSON document')
    .action(async (f: Flags) => {
      const config = await migrationConfig(f.config);
      // the supervised components of a running `siphon start`, when one answers (failures, last error, next retry)
      const healthUrl = f.health ?? healthUrlOf(config);
      const start = healthUrl ? await readStartStatus(healthUrl) : null;
      let src: Awaited<ReturnType<typeof openForReading>>;
      try { src = await openForReading(config); } catch (e) {
        // a database that cannot be read is exactly when the supervisor's view matters: show it, then fail
        if (!start?.running) throw e;
        const message = redactSecrets((e as Error)?.message ?? String(e));
        if (f.json) printJson({ error: message, start });
        else { err(`siphon: ${message}`); for (const l of renderStartStatus(start)) out(l); }
        process.exitCode = EXIT_PROBLEMS;
        return;
      }
      try {
        const status = await collectStatus({
          config, legacy: src.legacy, next: src.next, store: src.store, log: src.log, probes: probesFor(src.next, src.store),
          source: f.source, method: defaultMethod(src.legacy.dialect), slot: defaultSlotName(f.source), consumer: APPLY_CONSUMER,
        });
        if (f.json) printJson({ ...status, start });
        else {
          for (const l of renderStatus(status)) out(l);
          if (start) for (const l of renderStartStatus(start)) out(l);
        }
        // problems found: a failed check, or a figure that could not be read; a migration still running is not one
        const failed = status.tables.some((t) => t.check?.ok === false || t.errors.length > 0);
        process.exitCode = failed ? EXIT_PROBLEMS : EXIT_OK;
      } finally { await src.close(); }
    });
}
