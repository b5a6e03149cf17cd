import type { Command } from 'commander';
import { migrationStatus, statusFailed } from '../../control/admin/endpoints/status.js';
import type { stateSummary } from '../../control/admin/endpoints/reads.js';
import { renderStatus } from '../../migrate/render-status.js';
import { DEFAULT_SOURCE, migrationConfig } from '../../migrate/sources.js';
import type { MigrationStatus } from '../../migrate/status.js';
import { adminClient, adminOptions, type AdminFlags } from '../admin-target.js';
import { EXIT_OK, EXIT_PROBLEMS } from '../exit-codes.js';
import { healthUrlOf, readStartStatus, renderStartStatus } from '../../control/start/read-status.js';
import { err, out, printJson } from '../output.js';
import { redactSecrets } from '../../observe/logger.js';

interface Flags extends AdminFlags { config?: string; json?: boolean; source: string; health?: string }

type StateSummary = Awaited<ReturnType<typeof stateSummary>>;

function printState(s: StateSummary): void {
  out(`state store ${s.location} (schema version ${s.schemaVersion}), route table version ${s.routeTableVersion}, ${s.routes} route(s)`);
  out(s.backfillPause.paused ? `backfill paused since ${s.backfillPause.at}${s.backfillPause.reason ? ` (${s.backfillPause.reason})` : ''}` : 'backfill not paused');
  for (const q of s.openQuarantine) out(`  open quarantine ${q.sourceTable} ${q.reasonCode}: ${q.count}`);
}

/**
 * `siphon status`: per table legacy rows, migrated, quarantined by reason, next rows, backfill progress; capture and
 * apply lag; and once backfill is done the check `legacy = migrated + quarantined` per table (exit 1 when one fails).
 * Reads only: it never creates the stores it reads. With `--admin` the admin API collects it.
 */
export function registerStatus(program: Command): void {
  adminOptions(program.command('status'))
    .description('where the migration stands: per table legacy/migrated/quarantined rows, backfill, capture and apply lag, and the check legacy = migrated + quarantined (exit 1 when it fails)')
    .option('-c, --config <file>', 'the migration config (default siphon.config.ts when present)')
    .option('--source <name>', 'capture source name in the log', DEFAULT_SOURCE)
    .option('--health <url>', 'health URL of a running `siphon start` whose components to show (default: from start.health in the config)')
    .option('--json', 'print one JSON document')
    .action(async (f: Flags) => {
      const config = f.admin ? undefined : await migrationConfig(f.config);
      const api = await adminClient(f, config);
      if (api) {
        const r = await api.get<{ state: StateSummary; migration?: MigrationStatus }>('/status', { source: f.source });
        if (f.json) printJson(r);
        else if (r.migration) for (const l of renderStatus(r.migration)) out(l);
        else printState(r.state);
        process.exitCode = r.migration && statusFailed(r.migration) ? EXIT_PROBLEMS : EXIT_OK;
        return;
      }
      // the supervised components of a running `siphon start`, when one answers (failures, last error, next retry)
      const healthUrl = f.health ?? healthUrlOf(config!);
      const start = healthUrl ? await readStartStatus(healthUrl) : null;
      let status: MigrationStatus;
      try { status = await migrationStatus(config!, f.source); } catch (e) {
        // a database that cannot be read is exactly when the supervisor's view matters: show it, then fail
        if (!start?.running) throw e;
        const message = redactSecrets((e as Error)?.message ?? String(e));
        if (f.json) printJson({ error: message, start });
        else { err(`siphon: ${message}`); for (const l of renderStartStatus(start)) out(l); }
        process.exitCode = EXIT_PROBLEMS;
        return;
      }
      if (f.json) printJson({ ...status, start });
      else {
        for (const l of renderStatus(status)) out(l);
        if (start) for (const l of renderStartStatus(start)) out(l);
      }
      process.exitCode = statusFailed(status) ? EXIT_PROBLEMS : EXIT_OK;
    });
}
