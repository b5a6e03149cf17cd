import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { connectAspirer } from '../../aspire/remote.js';
import { AspireUnknownEntityError } from '../../aspire/errors.js';
import type { AspireResult } from '../../aspire/types.js';
import { assertNever } from '../../errors.js';
import { NotStartedError } from '../../migrate/errors.js';
import { migrationConfig, sqliteMissing } from '../../migrate/sources.js';
import { openStateStore } from '../../state/open.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE } from '../exit-codes.js';
import { out, printJson } from '../output.js';

interface Flags { config?: string; json?: boolean; actor?: string; timeout: string }

/**
 * `siphon aspire ENTITY KEY`: pull one entity into next now. The request is queued in the state store and served by
 * the running `siphon migrate` (which owns the data path); this command waits for its answer.
 * Exit 0 migrated/already/shared, 1 quarantined or failed (with the reasons), 2 unknown entity or bad key.
 */
export function registerAspire(program: Command): void {
  program.command('aspire')
    .description('migrate one entity now (its root row and every row of it in every mapped table) through the running "siphon migrate", mark it migrated in legacy, and wait until next holds it')
    .argument('<entity>', 'an entity of the config (entities: { NAME: { root } })')
    .argument('<key>', "the entity's key (the root table's key value)")
    .option('-c, --config <file>', 'the migration config')
    .option('--actor <name>', 'who asks, for the audit trail (default cli:$USER)')
    .option('--timeout <ms>', 'how long to wait for the running "siphon migrate" to serve the request', '30000')
    .option('--json', 'print the result as JSON')
    .action(async (entity: string, key: string, f: Flags) => {
      const timeout = Number(f.timeout);
      if (!Number.isSafeInteger(timeout) || timeout <= 0) { process.stderr.write(`siphon aspire: --timeout must be a positive number of ms, got "${f.timeout}"\n`); process.exitCode = EXIT_USAGE; return; }
      const config = await migrationConfig(f.config);
      if (!config.entities[entity]) throw new AspireUnknownEntityError(entity, Object.keys(config.entities));
      const missing = sqliteMissing(config.state);
      if (missing) throw new NotStartedError('state store', missing);
      // brings the store to the code's schema (aspire_flights) before the request is queued
      await (await openStateStore(config.state)).close();
      const aspirer = await connectAspirer({ config, waitTimeoutMs: timeout });
      let r: AspireResult;
      try { r = await aspirer.aspire({ entity, key, trigger: 'cli', actor: f.actor ?? `cli:${userInfo().username}` }); } finally { await aspirer.close(); }
      const usage = r.outcome === 'failed' && (r.reason === 'ASPIRE_BAD_KEY' || r.reason === 'ASPIRE_UNKNOWN_ENTITY');
      if (f.json) printJson(r);
      else if (usage) process.stderr.write(`siphon aspire: ${(r as { message: string }).message}\n`);
      else out(render(r));
      process.exitCode = usage ? EXIT_USAGE : r.outcome === 'quarantined' || r.outcome === 'failed' ? EXIT_PROBLEMS : EXIT_OK;
    });
}

function render(r: AspireResult): string {
  const head = `${r.entity} ${r.key}`;
  const ms = `${Math.round(r.ms)} ms`;
  switch (r.outcome) {
    case 'migrated': return `✔ ${head}: migrated, ${r.rows} row(s) in next${r.version ? ` at version ${r.version}` : ''}, marked in legacy (${ms})`;
    case 'shared': return `✔ ${head}: migrated by a flight already running (${r.rows} row(s), ${ms})`;
    case 'already': return `✔ ${head}: already migrated`;
    case 'quarantined':
      return [`✘ ${head}: not migrated, ${r.failed.length} row(s) could not be applied; it stays served by legacy`,
        ...r.failed.map((f) => `  ${f.table} ${f.key}: ${f.reason} — ${f.detail}`), '  fix the mapping or the data, then run siphon aspire again (siphon quarantine list shows them too)'].join('\n');
    case 'failed': return `✘ ${head}: failed (${r.reason}${r.retryable ? ', retry later' : ''}): ${r.message}`;
    default: return assertNever(r, 'aspire outcome');
  }
}
