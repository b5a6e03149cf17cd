import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { untilSignalled } from '../../capture/run.js';
import { defaultSlotName } from '../../capture/pgoutput/slot.js';
import { CAPTURE_METHODS, type CaptureMethod } from '../../capture/types.js';
import { migrationWiring } from '../../migrate/wiring.js';
import { jsonProgress, ttyProgress } from '../../migrate/progress-view.js';
import { runMigration } from '../../migrate/run.js';
import { DEFAULT_SOURCE, migrationConfig } from '../../migrate/sources.js';
import { out } from '../output.js';

interface Flags {
  config?: string; json?: boolean; source: string; slot?: string; method?: CaptureMethod;
  backfill: boolean; untilDone?: boolean; batchSize: number; chunkSize: number; progressEvery: number;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, found "${v}"`);
  return n;
}
function method(v: string): CaptureMethod {
  if (!(CAPTURE_METHODS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${CAPTURE_METHODS.join(', ')}, found "${v}"`);
  return v as CaptureMethod;
}

/**
 * `siphon migrate -c FILE`: capture, apply and backfill in one process, following legacy until SIGINT/SIGTERM (a clean
 * stop at a checkpoint; the next start resumes). Progress bars per table on a terminal, JSON lines otherwise.
 */
export function registerMigrate(program: Command): void {
  program.command('migrate')
    .description('move the data: capture every legacy change, apply it into next, and backfill the rows already in legacy, in one process, until stopped (Ctrl-C stops at a checkpoint; running it again resumes)')
    .option('-c, --config <file>', 'the migration config (default siphon.config.ts when present)')
    .option('--json', 'progress as JSON lines on stdout (default when stdout is not a terminal)')
    .option('--until-done', 'stop by itself once every table is backfilled and apply has caught up with legacy')
    .option('--no-backfill', 'capture and apply only (no copy of the rows already in legacy)')
    .option('--method <method>', `capture method: ${CAPTURE_METHODS.join(' | ')} (default: binlog on MariaDB, pgoutput on PostgreSQL, trigger on SQLite)`, method)
    .option('--source <name>', 'capture source name in the log', DEFAULT_SOURCE)
    .option('--slot <name>', 'pgoutput: replication slot and publication (default siphon_<source>)')
    .option('--batch-size <n>', 'log entries read per batch by the data path', positiveInt, 1000)
    .option('--chunk-size <n>', 'legacy rows per backfill chunk', positiveInt, 5000)
    .option('--progress-every <ms>', 'progress refresh interval', positiveInt, 1000)
    .addHelpText('after', '\nExit codes: 0 stopped cleanly (signal, or --until-done reached), 1 a part failed (stopped at its last checkpoint), 2 bad usage or configuration.')
    .action(async (f: Flags) => {
      const config = await migrationConfig(f.config);
      const json = f.json === true || process.stderr.isTTY !== true;
      const view = json ? jsonProgress() : ttyProgress();
      const ctl = new AbortController();
      void untilSignalled(ctl.signal).then((s) => { if (s !== 'aborted') { if (!json) out(`\n${s}: stopping at the next checkpoint…`); ctl.abort(); } });
      try {
        const wiring = await migrationWiring();
        const summary = await runMigration({
          config, source: f.source, slot: f.slot ?? defaultSlotName(f.source), method: f.method ?? null,
          signal: ctl.signal, untilDone: f.untilDone ?? false, logBatchSize: f.batchSize, chunkSize: f.chunkSize, progressEveryMs: f.progressEvery,
          openApplier: wiring.openApplier, backfill: f.backfill,
          onProgress: (p) => view.update(p),
        });
        view.done(summary.progress, summary.stoppedBy);
      } finally { ctl.abort(); }
    });
}
