import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { DEFAULT_STATE_URL, openStateStore } from '../../state/open.js';
import { QUARANTINE_STATES, type QuarantineItem, type QuarantineQuery, type QuarantineState, type StateStore } from '../../state/types.js';
import { openDatabase } from '../../backends/open.js';
import { createApplier } from '../../apply/applier.js';
import { retryQuarantine } from '../../apply/retry.js';
import { EXIT_PROBLEMS, EXIT_USAGE } from '../exit-codes.js';
import { err, formatCount, formatTable, out, printJson } from '../output.js';
import type { RetryReport } from '../../apply/retry.js';
import type { QuarantineCount } from '../../state/types.js';
import { adminClient, adminOptions, type AdminFlags } from '../admin-target.js';
import type { AdminClient } from '../../control/admin/client.js';

interface Flags extends AdminFlags { config?: string; state?: string; json?: boolean; table?: string; reason?: string }

/** Pages of `GET /quarantine` up to `limit` items: the same list the state store gives directly. */
async function remoteList(api: AdminClient, f: Flags & { status: string; limit: number }): Promise<{ counts: QuarantineCount[]; items: Omit<QuarantineItem, 'payload'>[]; more: boolean }> {
  const items: Omit<QuarantineItem, 'payload'>[] = [];
  let counts: QuarantineCount[] = [];
  let afterId: number | undefined;
  let more = false;
  while (items.length < f.limit) {
    const page = await api.get<{ counts: QuarantineCount[]; items: Omit<QuarantineItem, 'payload'>[]; next: number | null }>('/quarantine',
      { table: f.table, reason: f.reason, status: f.status, limit: Math.min(1000, f.limit - items.length), afterId });
    counts = page.counts;
    items.push(...page.items);
    if (page.next === null) break;
    afterId = page.next;
    more = items.length >= f.limit;
  }
  return { counts, items, more };
}

/**
 * Reading commands never create what they read: a missing state store (SQLite file, PostgreSQL schema) is a usage
 * error naming it (STATE_NOT_FOUND, exit 2), not a new empty store.
 */
function openExisting(url: string): Promise<StateStore> {
  return openStateStore(url, { mode: 'read' });
}

async function stateUrl(flags: Flags): Promise<string> {
  return flags.state ?? (flags.config ? (await loadConfig(flags.config)).state : DEFAULT_STATE_URL);
}

function statusArg(v: string): QuarantineState | 'all' {
  if (v === 'all' || (QUARANTINE_STATES as readonly string[]).includes(v)) return v as QuarantineState | 'all';
  throw new InvalidArgumentError(`expected one of ${QUARANTINE_STATES.join(', ')}, all; found "${v}"`);
}

function limitArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100000) throw new InvalidArgumentError(`expected an integer in 1..100000, found "${v}"`);
  return n;
}

function idArg(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a quarantine item id (a positive integer), found "${v}"`);
  return n;
}

function printList(flags: Flags & { status: string }, counts: readonly QuarantineCount[], items: readonly Omit<QuarantineItem, 'payload'>[], more: boolean): void {
  if (items.length === 0) { out(`no ${flags.status === 'all' ? '' : `${flags.status} `}quarantined items${flags.table ? ` for ${flags.table}` : ''}${flags.reason ? ` with reason ${flags.reason}` : ''}`); return; }
  out(formatTable(['table', 'reason', 'state', 'count'], counts.map((c) => [c.sourceTable, c.reasonCode, c.state, formatCount(c.count)]), { right: [3] }));
  out('');
  out(formatTable(['id', 'table', 'key', 'reason', 'tries', 'message'], items.map((i) => [String(i.id), i.sourceTable, i.key, i.reasonCode, String(i.attempts), summary(i.message)]), { right: [0, 4] }));
  if (more) out(`… more items exist (raise --limit, or filter with --table / --reason)`);
}

const summary = (m: string) => (m.length > 90 ? `${m.slice(0, 89)}…` : m);

/** `siphon quarantine list|show|retry`: what failed to migrate, why, and re-driving it after a fix. */
export function registerQuarantine(program: Command): void {
  const q = program.command('quarantine').description('changes that failed to migrate (kept whole with the reason): list, show, retry after a fix');
  const common = (c: Command) => adminOptions(c)
    .option('-c, --config <file>', 'migration config (its state store is used)')
    .option('--state <url>', `state store URL (default ${DEFAULT_STATE_URL})`)
    .option('--json', 'print JSON');

  common(q.command('list').description('quarantined items, oldest first, with counts per table and reason'))
    .option('--table <table>', 'only this legacy table')
    .option('--reason <code>', 'only this reason code (schema, clean, to, write, database, next-key-conflict, missing-parent, ...)')
    .option('--status <status>', `open (default), redriven, resolved or all`, statusArg, 'open')
    .option('--limit <n>', 'most items to list (default 100)', limitArg, 100)
    .action(async (flags: Flags & { status: QuarantineState | 'all'; limit: number }) => {
      const api = await adminClient(flags);
      if (api) {
        const { counts, items, more } = await remoteList(api, flags);
        if (flags.json) { printJson({ counts, items, more }); return; }
        printList(flags, counts, items, more);
        return;
      }
      const store = await openExisting(await stateUrl(flags));
      try {
        const items: QuarantineItem[] = [];
        let afterId: number | undefined;
        let more = false;
        while (items.length < flags.limit) {
          const query: QuarantineQuery = { limit: Math.min(1000, flags.limit - items.length), ...(flags.table ? { sourceTable: flags.table } : {}), ...(flags.reason ? { reasonCode: flags.reason } : {}),
            ...(flags.status !== 'all' ? { state: flags.status } : {}), ...(afterId !== undefined ? { afterId } : {}) };
          const page = await store.listQuarantine(query);
          items.push(...page.items);
          if (page.next === null) break;
          afterId = page.next;
          more = items.length >= flags.limit;
        }
        const counts = (await store.quarantineCounts(flags.status !== 'all' ? { state: flags.status } : {}))
          .filter((c) => (!flags.table || c.sourceTable === flags.table) && (!flags.reason || c.reasonCode === flags.reason));
        if (flags.json) {
          printJson({ counts, items: items.map(({ payload: _p, ...rest }) => rest), more });
          return;
        }
        printList(flags, counts, items, more);
      } finally { await store.close(); }
    });

  common(q.command('show <id>').description('one quarantined item whole: the change as captured, the reason, attempts'))
    .action(async (id: string, flags: Flags) => {
      const n = idArg(id);
      const api = await adminClient(flags);
      const store = api ? undefined : await openExisting(await stateUrl(flags));
      try {
        const item = api ? await api.get<QuarantineItem>(`/quarantine/${n}`) : await store!.getQuarantine(n);
        if (!item) { err(`siphon: no quarantine item ${n}`); process.exitCode = EXIT_PROBLEMS; return; }
        if (flags.json) { printJson(item); return; }
        out(`#${item.id}  ${item.sourceTable}  ${item.key}  [${item.state}]`);
        out(`reason   ${item.reasonCode}`);
        out(`message  ${item.message}`);
        out(`attempts ${item.attempts}, first seen ${new Date(item.firstSeen).toISOString()}, last seen ${new Date(item.lastSeen).toISOString()}`);
        out('payload:');
        out(JSON.stringify(item.payload, null, 2));
      } finally { await store?.close(); }
    });

  common(q.command('retry').description('re-drive open items through the apply path (after a fix of the mapping or of legacy data); versions keep it safe'))
    .option('--table <table>', 'only this legacy table')
    .option('--reason <code>', 'only this reason code')
    .option('--id <id...>', 'only these item ids', (v: string, prev: number[] = []) => [...prev, idArg(v)])
    .action(async (flags: Flags & { id?: number[] }) => {
      const api = await adminClient(flags);
      if (api) {
        const report = await api.post<RetryReport>('/quarantine/retry', { ...(flags.table ? { table: flags.table } : {}), ...(flags.reason ? { reasonCode: flags.reason } : {}), ...(flags.id ? { ids: flags.id } : {}) });
        printRetry(report, flags.json);
        return;
      }
      if (!flags.config) { err('siphon: quarantine retry needs the migration config (-c FILE): its mappings and next database'); process.exitCode = EXIT_USAGE; return; }
      const config = await loadConfig(flags.config);
      const store = await openExisting(flags.state ?? config.state);
      const next = await openDatabase(config.next.db);
      try {
        const applier = await createApplier({ config, next, state: store });
        const report = await retryQuarantine(applier, store, { ...(flags.table ? { sourceTable: flags.table } : {}), ...(flags.reason ? { reasonCode: flags.reason } : {}), ...(flags.id ? { ids: flags.id } : {}) },
          (done) => { if (!flags.json) err(`retry: ${formatCount(done)} item(s) re-driven`); });
        await applier.close();
        printRetry(report, flags.json);
      } finally { await next.close(); await store.close(); }
    });
}

function printRetry(report: RetryReport, json: boolean | undefined): void {
  if (json) printJson(report);
  else out(`retried ${formatCount(report.retried)}: ${formatCount(report.resolved)} resolved, ${formatCount(report.stillQuarantined)} still quarantined, ${formatCount(report.waiting)} waiting for a parent${report.unreadable ? `, ${formatCount(report.unreadable)} unreadable` : ''}`);
  if (report.stillQuarantined + report.waiting + report.unreadable > 0) process.exitCode = EXIT_PROBLEMS;
}
