import { Command, CommanderError } from 'commander';
import { SiphonError } from '../errors.js';
import { EXIT_PROBLEMS, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { registerVersion } from './commands/version.js';
import { registerInit } from './commands/init.js';
import { registerCheck } from './commands/check.js';
import { registerGateway } from './commands/gateway.js';
import { registerRoute } from './commands/route.js';
import { registerRecord } from './commands/record.js';
import { registerReplay } from './commands/replay.js';
import { registerState } from './commands/state.js';
import { registerDemo } from './commands/demo.js';
import { registerCapture } from './commands/capture.js';
import { registerLog } from './commands/log.js';
import { registerMigrate } from './commands/migrate.js';
import { registerStatus } from './commands/status.js';
import { registerBackfill } from './commands/backfill.js';
import { registerReapply } from './commands/reapply.js';
import { registerAspire } from './commands/aspire.js';
import { registerQuarantine } from './commands/quarantine.js';
import { builtinConsumers, type ConsumerRegistry } from '../log/consumers/index.js';
export { guardClosedPipes } from './pipes.js';
import { registerSchema } from './commands/schema.js';
import { registerVerify } from './commands/verify.js';
import { registerAdmin } from './commands/admin.js';
import { registerDiffs } from './commands/diffs.js';
import { auditCommand } from './commands/state.js';
import { registerStart } from './commands/start.js';
import { CONTROL_COMPONENTS } from '../control/start/control-components.js';
import { registerCanary } from './commands/canary.js';
// Each command lives in src/cli/commands/<name>.ts and exports `register<Name>(program)`; add one import and one
// call below per command.

/** What the commands are given rather than find by themselves (wired here, never filled by an import). */
export interface CliDeps {
  /** Consumers `siphon log replay --consumer NAME` can feed. */
  readonly consumers: ConsumerRegistry;
}

export function defaultCliDeps(): CliDeps {
  return { consumers: builtinConsumers() };
}

export function buildProgram(deps: CliDeps = defaultCliDeps()): Command {
  const program = new Command('siphon')
    .description('Migrate a live legacy system to a new platform with zero downtime and zero data loss.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerVersion(program);
  registerInit(program);
  registerCheck(program);
  registerGateway(program);
  registerRoute(program);
  registerRecord(program);
  registerReplay(program);
  registerState(program);
  registerDemo(program);
  registerCapture(program);
  registerLog(program, deps.consumers);
  registerMigrate(program);
  registerStatus(program);
  registerBackfill(program);
  registerReapply(program);
  registerAspire(program);
  registerQuarantine(program);
  registerSchema(program);
  registerVerify(program);
  registerAdmin(program);
  registerDiffs(program);
  auditCommand(program.command('audit')); // alias of `siphon state audit`
  registerStart(program, CONTROL_COMPONENTS);
  registerCanary(program);
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 problems found, 2 bad usage or bad config). */
export async function run(argv: readonly string[], deps: CliDeps = defaultCliDeps()): Promise<number> {
  const program = buildProgram(deps);
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (e instanceof SiphonError) {
      process.stderr.write(`siphon: ${e.message}\n`);
      return exitCodeFor(e);
    }
    // Not one of ours: a bug or an unwrapped driver error. The message, not a stack trace (SIPHON_DEBUG=1 shows it).
    const debug = process.env.SIPHON_DEBUG === '1';
    const text = debug ? (e as Error)?.stack ?? String(e) : `${(e as Error)?.message ?? String(e)} (unexpected error: SIPHON_DEBUG=1 shows where)`;
    process.stderr.write(`siphon: ${text}\n`);
    return EXIT_PROBLEMS;
  }
}
