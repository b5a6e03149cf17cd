import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { DEFAULT_STATE_URL, openStateStore } from '../../state/open.js';
import type { AuditEntry, Page, StateStore } from '../../state/types.js';
import { adminClient, adminOptions, type AdminFlags } from '../admin-target.js';

interface Flags extends AdminFlags { config?: string; state?: string; json?: boolean }
type AuditFlags = Flags & { actor?: string; action?: string; subject?: string; limit: number };

async function withStore<T>(flags: Flags, fn: (store: StateStore) => Promise<T>): Promise<T> {
  const url = flags.state ?? (flags.config ? (await loadConfig(flags.config)).state : DEFAULT_STATE_URL);
  // reading only: a mistyped URL must not create an empty store reported as fine
  const store = await openStateStore(url, { mode: 'read' });
  try { return await fn(store); } finally { await store.close(); }
}

function limitArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`expected an integer in 1..1000, found "${v}"`);
  return n;
}

const out = (text: string) => process.stdout.write(`${text}\n`);

function auditLine(e: AuditEntry): string {
  return `${new Date(e.at).toISOString()}  #${e.id}  ${e.actor}  ${e.action}  ${e.subject}${e.reason ? `  — ${e.reason}` : ''}`;
}

/** `siphon state status|audit`: what the state store holds (opening it applies pending schema migrations). */
export function registerState(program: Command): void {
  const state = program.command('state').description('inspect the state store (ledger, routes, quarantine, checkpoints, audit trail)');
  const common = (c: Command) => c
    .option('-c, --config <file>', 'migration config (its state store is used)')
    .option('--state <url>', `state store URL (default ${DEFAULT_STATE_URL})`)
    .option('--json', 'print JSON');

  common(state.command('status').description('schema version, route table version, ledger and quarantine counts, checkpoints'))
    .action(async (flags: Flags) => withStore(flags, async (s) => {
      const [schemaVersion, routes, ledger, quarantine, checkpoints] = await Promise.all([
        s.schemaVersion(), s.getRoutes(), s.ledgerCounts(), s.quarantineCounts({ state: 'open' }), s.listCheckpoints()]);
      if (flags.json) {
        out(JSON.stringify({ location: s.location, schemaVersion, routeTableVersion: routes.version, routes: routes.routes.length, ledger, openQuarantine: quarantine, checkpoints }, null, 2));
        return;
      }
      out(`state store ${s.location} (schema version ${schemaVersion})`);
      out(`route table version ${routes.version}, ${routes.routes.length} route(s)`);
      out(ledger.length ? 'ledger:' : 'ledger: empty');
      for (const c of ledger) out(`  ${c.entity.padEnd(24)} ${c.state.padEnd(14)} ${c.count}`);
      out(quarantine.length ? 'open quarantine:' : 'open quarantine: none');
      for (const q of quarantine) out(`  ${q.sourceTable.padEnd(24)} ${q.reasonCode.padEnd(24)} ${q.count}`);
      out(checkpoints.length ? 'checkpoints:' : 'checkpoints: none');
      for (const c of checkpoints) out(`  ${c.name.padEnd(24)} ${c.position}  (${c.updatedAt.toISOString()})`);
    }));

  auditCommand(state.command('audit'));
}

/** The audit trail's options and action, shared by `siphon state audit` and its alias `siphon audit`. */
export function auditCommand(c: Command): Command {
  return adminOptions(c).description('the audit trail, newest first (who, when, what, why; --json adds before and after)')
    .option('-c, --config <file>', 'migration config (its state store is used)')
    .option('--state <url>', `state store URL (default ${DEFAULT_STATE_URL})`)
    .option('--json', 'print JSON')
    .option('--actor <name>', 'only this actor (a token identity, or a no-server mode actor)')
    .option('--action <action>', 'only this action (route.set, route.update, route.rollback…), or a prefix ending with * (route.* : every route change)')
    .option('--subject <subject>', 'only this subject')
    .option('--limit <n>', 'how many entries (1..1000)', limitArg, 50)
    .action(async (flags: AuditFlags) => {
      const query = { actor: flags.actor, action: flags.action, subject: flags.subject, limit: flags.limit };
      // --actor here is a filter, not who acts: it must not trip the "no --actor with --admin" rule
      const api = await adminClient({ ...flags, actor: undefined });
      const page = api ? await api.get<Page<AuditEntry, number>>('/audit', query) : await withStore(flags, (s) => s.listAudit(query));
      if (flags.json) { out(JSON.stringify(page.items, null, 2)); return; }
      if (page.items.length === 0) out('audit trail: no entries');
      for (const e of page.items) out(auditLine(e));
      if (page.next !== null) out(`… older entries exist (raise --limit)`);
    });
}
