import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { NotStartedError } from '../../migrate/errors.js';
import { setBackfillPause } from '../../backfill/pause.js';
import { migrationConfig, sqliteMissing } from '../../migrate/sources.js';
import { openStateStore } from '../../state/open.js';
import { out, printJson } from '../output.js';

interface Flags { config?: string; reason?: string; actor?: string; json?: boolean }

const actorOf = (f: Flags) => f.actor ?? `cli:${userInfo().username}`;

async function setPause(flags: Flags, paused: boolean): Promise<void> {
  const config = await migrationConfig(flags.config);
  const missing = sqliteMissing(config.state);
  if (missing) throw new NotStartedError('state store', missing);
  const store = await openStateStore(config.state);
  try {
    const by = actorOf(flags);
    const p = await setBackfillPause(store, paused, flags.reason ?? null, new Date(), by);
    if (flags.json) { printJson({ ...p, by }); return; }
    out(paused
      ? `backfill paused by ${by}${p.reason ? ` (${p.reason})` : ''}: the running "siphon migrate" reads no new chunk until resumed; capture and apply go on`
      : `backfill resumed by ${by}: chunks are read again (throttle bounds still apply)`);
  } finally { await store.close(); }
}

/** `siphon backfill pause|resume`: the operator pause the backfill throttle reads (a state-store setting, audited). */
export function registerBackfill(program: Command): void {
  const backfill = program.command('backfill').description('control the backfill of a running "siphon migrate"');
  const common = (c: Command) => c
    .option('-c, --config <file>', 'the migration config (its state store holds the pause)')
    .option('--actor <name>', 'who does it, for the audit trail (default cli:$USER)')
    .option('--json', 'print the stored pause as JSON');
  common(backfill.command('pause').description('pause backfill (capture and apply keep running); the reason is shown by siphon status'))
    .option('--reason <text>', 'why (audit trail, status)')
    .action((f: Flags) => setPause(f, true));
  common(backfill.command('resume').description('resume a paused backfill'))
    .option('--reason <text>', 'why (audit trail)')
    .action((f: Flags) => setPause(f, false));
}
