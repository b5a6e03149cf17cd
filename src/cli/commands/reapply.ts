import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { MigrateConfigError, NotStartedError } from '../../migrate/errors.js';
import { parseKeyRange, queueReapply } from '../../migrate/reapply-request.js';
import { migrationConfig, sqliteMissing } from '../../migrate/sources.js';
import { openStateStore } from '../../state/open.js';
import { out, printJson } from '../output.js';

interface Flags { config?: string; table: string; keys?: string; actor?: string; json?: boolean }

/** `siphon reapply --table T [--keys RANGE]`: queue a re-read of legacy rows through the chunk mechanism. */
export function registerReapply(program: Command): void {
  program.command('reapply')
    .description('after a fix of a mapping: re-read legacy rows of a table (all, or a key range) through the backfill chunks and apply them again, while capture and apply continue; picked up by the running "siphon migrate"')
    .option('-c, --config <file>', 'the migration config')
    .requiredOption('--table <name>', 'the legacy table to re-apply')
    .option('--keys <range>', 'keys greater than AFTER and at most UNTIL, as AFTER..UNTIL (either side may be empty; composite keys as a,b..c,d); default: the whole table')
    .option('--actor <name>', 'who asks, for the audit trail (default cli:$USER)')
    .option('--json', 'print the queued request as JSON')
    .action(async (f: Flags) => {
      const config = await migrationConfig(f.config);
      const mapping = config.tables[f.table];
      if (!mapping) throw new MigrateConfigError(`--table "${f.table}" is not mapped in ${config.file ?? config.name} (mapped: ${Object.keys(config.tables).join(', ')})`);
      const range = f.keys === undefined ? { from: null, to: null } : parseKeyRange(f.keys, mapping.key);
      const missing = sqliteMissing(config.state);
      if (missing) throw new NotStartedError('state store', missing);
      const store = await openStateStore(config.state);
      try {
        const r = await queueReapply(store, { table: f.table, ...range, by: f.actor ?? `cli:${userInfo().username}` });
        if (f.json) { printJson(r); return; }
        out(`re-apply ${r.id} queued: ${r.table} keys ${r.from?.join(',') ?? '(start)'}..${r.to?.join(',') ?? '(end)'}; the running "siphon migrate" reads these rows again in chunks (or the next one started)`);
      } finally { await store.close(); }
    });
}
