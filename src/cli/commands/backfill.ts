import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { NotStartedError } from '../../migrate/errors.js';
import { setBackfillPause } from '../../backfill/pause.js';
import type { OperatorPause } from '../../backfill/types.js';
import { migrationConfig, sqliteMissing } from '../../migrate/sources.js';
import { openStateStore } from '../../state/open.js';
import { adminClient, adminOptions, type AdminFlags } from '../admin-target.js';
import { out, printJson } from '../output.js';

interface Flags extends AdminFlags { config?: string; reason?: string; actor?: string; json?: boolean }

const actorOf = (f: Flags) => f.actor ?? `cli:${userInfo().username}`;

async function setPause(flags: Flags, paused: boolean): Promise<void> {
  const config = flags.admin ? undefined : await migrationConfig(flags.config);
  const remote = await adminClient(flags, config);
  let p: OperatorPause & { by: string };
  if (remote) {
    p = await remote.post<OperatorPause & { by: string }>(paused ? '/backfill/pause' : '/backfill/resume', flags.reason ? { reason: flags.reason } : {});
  } else {
    const missing = sqliteMissing(config!.state);
    if (missing) throw new NotStartedError('state store', missing);
    const store = await openStateStore(config!.state);
    try {
      const by = actorOf(flags);
      // the setting and its audit entry in one transaction
      p = { ...(await setBackfillPause(store, paused, flags.reason ?? null, new Date(), by)), by };
    } finally { await store.close(); }
  }
  if (flags.json) { printJson(p); return; }
  out(paused
    ? `backfill paused by ${p.by}${p.reason ? ` (${p.reason})` : ''}: the running "siphon migrate" reads no new chunk until resumed; capture and apply go on`
    : `backfill resumed by ${p.by}: chunks are read again (throttle bounds still apply)`);
}

/** `siphon backfill pause|resume`: the operator pause the backfill throttle reads (a state-store setting, audited). */
export function registerBackfill(program: Command): void {
  const backfill = program.command('backfill').description('control the backfill of a running "siphon migrate"');
  const common = (c: Command) => adminOptions(c)
    .option('-c, --config <file>', 'the migration config (its state store holds the pause)')
    .option('--actor <name>', 'who does it, for the audit trail, in the no-server mode (default cli:$USER); through --admin: your token\'s identity')
    .option('--json', 'print the stored pause as JSON');
  common(backfill.command('pause').description('pause backfill (capture and apply keep running); the reason is shown by siphon status'))
    .option('--reason <text>', 'why (audit trail, status)')
    .action((f: Flags) => setPause(f, true));
  common(backfill.command('resume').description('resume a paused backfill'))
    .option('--reason <text>', 'why (audit trail)')
    .action((f: Flags) => setPause(f, false));
}
