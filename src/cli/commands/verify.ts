import { InvalidArgumentError, type Command } from 'commander';
import { openDatabase } from '../../backends/open.js';
import type { Database } from '../../backends/types.js';
import { ConfigError } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import type { ResolvedConfig } from '../../config/types.js';
import { createApplier } from '../../apply/applier.js';
import { SIPHON_TABLE_PREFIX } from '../../apply/siphon-tables.js';
import { APPLY_CONSUMER } from '../../backfill/data-path.js';
import { openLog } from '../../log/open.js';
import { applyBarrier, type Settler } from '../../verify/settle.js';
import type { EventLog } from '../../log/types.js';
import { openStateStore } from '../../state/open.js';
import type { StateStore } from '../../state/types.js';
import { openVerifyResults } from '../../state/verify/open.js';
import type { VerifyResultStore } from '../../state/verify/types.js';
import { runContinuous } from '../../verify/continuous.js';
import { describeFailure, VerifyUsageError } from '../../verify/errors.js';
import { renderVerifyReport } from '../../verify/render.js';
import { repairAndReverify } from '../../verify/repair.js';
import { runVerify, selectTables, type VerifyRunOptions } from '../../verify/run-verify.js';
import { fromBackfillThrottle } from '../../verify/throttle.js';
import { Throttle as BackfillThrottle } from '../../backfill/throttle.js';
import { readBackfillPause } from '../../backfill/pause.js';
import type { VerifyReport } from '../../verify/types.js';
import { EXIT_USAGE } from '../exit-codes.js';
import { err, out, printJson, progress, type Progress } from '../output.js';

/** Exit code of an inconclusive verification: never a pass, never "differences found" either. */
export const EXIT_INCONCLUSIVE = 3;

interface VerifyFlags {
  config: string; table?: string; entity?: string; key?: string; continuous?: boolean; json?: boolean; repair?: boolean;
  chunk?: number; maxRowsPerSec?: number; passes?: number; interval?: number; repairTimeout?: number; threads?: number | 'auto';
}

function threadCount(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`expected "auto" or a whole number of threads from 1 to 64, found "${v}"`);
  return n;
}

function positiveInt(what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number of ${what}, found "${v}"`);
    return n;
  };
}

function inconclusive(flags: VerifyFlags, why: string): number {
  if (flags.json) printJson({ verdict: 'inconclusive', exitCode: EXIT_INCONCLUSIVE, tables: [], error: why });
  else err(`siphon verify: inconclusive (exit 3): ${why}`);
  return EXIT_INCONCLUSIVE;
}

async function verify(flags: VerifyFlags): Promise<number> {
  let config: ResolvedConfig;
  try {
    config = await loadConfig(flags.config);
    selectTables(config, flags);
    if (flags.continuous && flags.key !== undefined) throw new VerifyUsageError('--continuous', 'verifies whole tables: it does not take --key');
    if (flags.repair && flags.continuous) throw new VerifyUsageError('--repair', 'runs once: it does not go with --continuous');
  } catch (e) {
    if (!(e instanceof ConfigError) && !(e instanceof VerifyUsageError)) throw e;
    if (flags.json) printJson({ verdict: 'usage', exitCode: EXIT_USAGE, code: e.code, message: e.message });
    else err(`siphon verify: ${e.message}`);
    return EXIT_USAGE;
  }
  const closers: (() => Promise<void>)[] = [];
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let legacy: Database, next: Database, state: StateStore, results: VerifyResultStore;
    try {
      legacy = await openDatabase(config.legacy.db); closers.push(() => legacy.close());
      next = await openDatabase(config.next.db); closers.push(() => next.close());
      state = await openStateStore(config.state); closers.push(() => state.close());
      results = await openVerifyResults(config.state); closers.push(() => results.close());
    } catch (e) {
      return inconclusive(flags, describeFailure(e));
    }
    let log: EventLog | undefined;
    let settler: Settler | undefined;
    if (await applyHasRun(next)) {
      // re-checks wait for apply to pass the log head: the applier is opened only to read its checkpoint
      try {
        log = await openLog(config.log); closers.push(() => log!.close());
        const applier = await createApplier({ config, next, state }); closers.push(() => applier.close());
        settler = applyBarrier(log, applier, { consumer: APPLY_CONSUMER });
      } catch (e) { return inconclusive(flags, `apply's progress cannot be read (log ${config.log}): ${describeFailure(e)}`); }
    } else if (flags.continuous) {
      try { log = await openLog(config.log); closers.push(() => log!.close()); } catch (e) { return inconclusive(flags, `the event log cannot be opened: ${describeFailure(e)}`); }
    }
    // one bar for the run: tables may be verified side by side (threads), each table's progress adds to it
    let bar: Progress | undefined;
    const lastDone = new Map<string, number>();
    const options: VerifyRunOptions = {
      config, legacy, next, state, results, signal: stop.signal, ...(settler ? { settler } : {}),
      // the backfill's throttle (heartbeat latency bound, operator pause, rate cap): one set of rules spares legacy
      throttle: fromBackfillThrottle(new BackfillThrottle(
        { maxLagSeconds: 0, ...(flags.maxRowsPerSec ? { maxRowsPerSecond: flags.maxRowsPerSec } : {}) },
        { legacy, lagSeconds: () => null, readPause: async () => readBackfillPause(state) },
      )),
      ...(flags.table ? { table: flags.table } : {}), ...(flags.entity ? { entity: flags.entity } : {}), ...(flags.key !== undefined ? { key: flags.key } : {}),
      ...(flags.chunk ? { chunkSize: flags.chunk } : {}),
      threads: flags.threads ?? 'auto',
      // a capped run gains nothing from sharing a table between threads: no ranges, no boundary reads on legacy
      ...(flags.maxRowsPerSec ? { split: false } : {}),
      onWarning: (m) => err(`siphon verify: ${m}`),
      ...(flags.json ? {} : {
        onTables: (sizes: ReadonlyMap<string, number>) => {
          bar?.done();
          lastDone.clear();
          const total = [...sizes.values()].reduce((a, b) => a + b, 0);
          bar = progress(sizes.size === 1 ? `verify ${[...sizes.keys()][0]}` : `verify ${sizes.size} tables`, total);
        },
        onProgress: (table: string, done: number) => {
          bar?.tick(done - (lastDone.get(table) ?? 0));
          lastDone.set(table, done);
        },
      }),
    };
    let report: VerifyReport;
    try {
      if (flags.continuous) {
        report = await runContinuous({
          ...options, ...(log ? { log } : {}), ...(flags.passes ? { passes: flags.passes } : {}), ...(flags.interval ? { intervalMs: flags.interval } : {}),
          onPass: (pass, r, changed) => {
            bar?.done(); bar = undefined;
            if (flags.json) out(JSON.stringify({ pass, changed, ...r }));
            else out(`pass ${pass}: ${r.verdict} — ${r.tables.map((t) => `${t.table} ${(t.compatibility * 100).toFixed(2)}%`).join(', ')}`);
          },
        });
        bar?.done();
        if (!flags.json) out(renderVerifyReport(report));
        return report.exitCode;
      }
      report = await runVerify(options);
      bar?.done();
      if (flags.repair && report.exitCode === 1) {
        report = await repairAndReverify(options, report, { timeoutMs: flags.repairTimeout ?? 300_000 });
      }
    } catch (e) {
      bar?.done();
      if (e instanceof VerifyUsageError) {
        if (flags.json) printJson({ verdict: 'usage', exitCode: EXIT_USAGE, code: e.code, message: e.message });
        else err(`siphon verify: ${e.message}`);
        return EXIT_USAGE;
      }
      return inconclusive(flags, describeFailure(e));
    }
    if (flags.json) printJson(report);
    else out(renderVerifyReport(report));
    return report.exitCode;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}

/** Apply wrote its tables into next (siphon migrate ran): only then is there a checkpoint to wait for. */
async function applyHasRun(next: Database): Promise<boolean> {
  try {
    await next.query(`SELECT 1 AS x FROM ${next.dialect === 'postgres' ? 'siphon.checkpoints' : `${SIPHON_TABLE_PREFIX}checkpoints`} LIMIT 1`);
    return true;
  } catch { return false; }
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('row-level proof that nothing was lost: legacy rows through the mapping, compared column by column with next (exit 0 match, 1 differences, 3 inconclusive)')
    .option('-c, --config <file>', 'the config file', 'siphon.config.ts')
    .option('--table <name>', 'only this legacy table')
    .option('--entity <name>', 'only the tables of this entity')
    .option('--key <value>', 'with --entity: only the rows of this entity key')
    .option('--continuous', 'verify pass after pass (keys changed since the last pass first, from the log) until stopped')
    .option('--passes <n>', 'with --continuous: stop after n passes', positiveInt('passes'))
    .option('--interval <ms>', 'with --continuous: pause between passes (default 5000)', positiveInt('milliseconds'))
    .option('--repair', 're-queue missing and mismatched keys into the backfill (a running siphon migrate re-applies them), then verify them again')
    .option('--repair-timeout <ms>', 'with --repair: how long to wait for the re-apply (default 300000)', positiveInt('milliseconds'))
    .option('--chunk <rows>', 'legacy rows per read (default 1000)', positiveInt('rows'))
    .option('--max-rows-per-sec <n>', 'cap on legacy rows read per second', positiveInt('rows per second'))
    .option('--threads <n|auto>', 'threads verifying tables side by side, large ones in key ranges, each thread with its own connections (auto: one per core but one, at most 4, two on two cores; from 50,000 legacy rows)', threadCount, 'auto')
    .option('--json', 'print the whole report as JSON (continuous: one JSON line per pass)')
    .action(async (flags: VerifyFlags) => {
      process.exitCode = await verify(flags);
    });
}
