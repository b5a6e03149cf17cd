import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { replaceRoutes, rollbackRoutes, setRoute } from '../../gateway/control.js';
import { GatewayConfigError } from '../../gateway/errors.js';
import { parseRoutes } from '../../gateway/routing/schema.js';
import { formatMode, parseMode } from '../../routes/mode.js';
import { DEFAULT_ASPIRE_BUDGET_MS, type KeySource, type RouteSpec } from '../../routes/model.js';
import { fromStoredRoute, toRouteInput } from '../../routes/stored.js';
import { DEFAULT_STATE_URL, openStateStore } from '../../state/open.js';
import type { AuditContext, RouteStore, RouteTable } from '../../state/types.js';
import { adminClient, adminOptions, type AdminFlags } from '../admin-target.js';

interface Common extends AdminFlags { config?: string; state?: string; json?: boolean; actor?: string; reason?: string }

/**
 * `read`: the store must exist (status, rollback: a mistyped URL must not create an empty store and report it);
 * `write`: `route set` may create the store, as the gateway does.
 */
async function withStore<T>(flags: Common, mode: 'read' | 'write', fn: (store: RouteStore) => Promise<T>): Promise<T> {
  const url = flags.state ?? (flags.config ? (await loadConfig(flags.config)).state : DEFAULT_STATE_URL);
  const store = await openStateStore(url, { mode });
  try { return await fn(store); } finally { await store.close(); }
}

function audit(flags: Common): AuditContext {
  let user = 'unknown';
  try { user = userInfo().username; } catch { /* no passwd entry in some containers */ }
  return { actor: flags.actor ?? `${user}@${hostname()}`, ...(flags.reason ? { reason: flags.reason } : {}) };
}

/** `header:x-user-id`, `cookie:uid`, `param:id`, `jwt:sub`. */
export function parseKeySource(text: string, where: string): KeySource {
  const i = text.indexOf(':');
  const kind = i < 0 ? '' : text.slice(0, i);
  const name = text.slice(i + 1);
  if (!name) throw new GatewayConfigError(`expected KIND:NAME (header:x-user, cookie:uid, param:id, jwt:sub), got "${text}"`, where);
  switch (kind) {
    case 'header': case 'cookie': case 'param': return { from: kind, name };
    case 'jwt': return { from: 'jwt', claim: name };
    default: throw new GatewayConfigError(`unknown key source "${kind}" (header, cookie, param or jwt)`, where);
  }
}

/** `  (customer by param:id, aspire on first touch ≤ 200 ms)` for owner routes. */
function ownerText(spec: RouteSpec): string {
  if (spec.mode.kind !== 'owner') return '';
  const k = spec.entityKey;
  const key = k ? `${k.from}:${k.from === 'jwt' ? k.claim : k.name}` : '?';
  const aspire = spec.aspireOnFirstTouch ? `, aspire on first touch ≤ ${spec.aspireBudgetMs ?? DEFAULT_ASPIRE_BUDGET_MS} ms` : '';
  return `  (${spec.entity ?? '?'} by ${key}${aspire})`;
}

function budgetMs(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 60_000) throw new InvalidArgumentError(`--budget-ms must be an integer from 0 to 60000, got "${v}"`);
  return n;
}

function print(table: RouteTable, json: boolean | undefined): void {
  if (json) { process.stdout.write(JSON.stringify(table, null, 2) + '\n'); return; }
  process.stdout.write(`route table version ${table.version}\n`);
  for (const r of table.routes) {
    const spec = fromStoredRoute(r);
    const methods = r.match.methods?.length ? r.match.methods.join(',') : '*';
    process.stdout.write(`  ${r.id.padEnd(20)} ${formatMode(spec.mode).padEnd(14)} ${methods} ${r.match.path}${ownerText(spec)}\n`);
  }
}

export function registerRoute(program: Command): void {
  const route = program.command('route').description('show and change the gateway route table (audited, applied live)');
  const common = (c: Command) => adminOptions(c)
    .option('-c, --config <file>', 'migration config (its state store is used)')
    .option('--state <url>', `state store URL (default ${DEFAULT_STATE_URL})`)
    .option('--json', 'print JSON');
  const change = (c: Command) => common(c)
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .option('--actor <name>', 'who, in the no-server mode only (default: user@host); through --admin it is your token\'s identity');

  common(route.command('status').description('print the route table and its version'))
    .action(async (flags: Common) => {
      const api = await adminClient(flags);
      if (api) { print(await api.get<RouteTable>('/routes'), flags.json); return; }
      await withStore(flags, 'read', async (s) => print(await s.getRoutes(), flags.json));
    });

  change(route.command('set [id]').description('change a route (or create it with --path and --mode), or load a whole table with --file'))
    .option('--mode <mode>', 'legacy | shadow | canary:PERCENT | next | owner')
    .option('--path <pattern>', 'path pattern, e.g. /customers/:id')
    .option('--methods <list>', 'comma-separated methods (default any)')
    .option('--user-key <source>', 'sticky canary key: header:NAME, cookie:NAME, param:NAME or jwt:CLAIM')
    .option('--entity-key <source>', 'entity key for owner mode (same forms)')
    .option('--entity <name>', 'owner mode: the ledger entity the key names (the mappings\' entity, e.g. customer)')
    .option('--aspire-on-first-touch', 'owner mode: a read of an entity not yet in next pulls it into next first')
    .option('--no-aspire-on-first-touch', 'owner mode: route by the ledger only')
    .option('--budget-ms <ms>', `owner mode: longest a first-touch read waits for aspire before legacy answers (default ${DEFAULT_ASPIRE_BUDGET_MS})`, budgetMs)
    .option('--mirror-writes', 'also mirror non-idempotent methods (next gets X-Siphon-Dry-Run: 1)')
    .option('--canary-shadow', 'in canary mode, mirror to the side that did not answer')
    .option('--no-fallback', 'do not answer from legacy when next fails')
    .option('--file <routes.json>', 'replace the whole table with this JSON array of routes')
    .action(async (id: string | undefined, f: Common & { mode?: string; path?: string; methods?: string; userKey?: string;
      entityKey?: string; entity?: string; aspireOnFirstTouch?: boolean; budgetMs?: number; mirrorWrites?: boolean;
      canaryShadow?: boolean; fallback: boolean; file?: string }) => {
      if (f.file) {
        let data: unknown;
        try { data = JSON.parse(readFileSync(f.file, 'utf8')); } catch (e) {
          throw new GatewayConfigError(`cannot read routes JSON: ${(e as Error).message}`, f.file);
        }
        const specs = parseRoutes(data, f.file);
        const api = await adminClient(f);
        if (api) { print(await api.put<RouteTable>('/routes', { routes: specs, ...(f.reason ? { reason: f.reason } : {}) }), f.json); return; }
        const routes = specs.map(toRouteInput);
        await withStore(f, 'write', async (s) => print(await replaceRoutes(s, routes, audit(f)), f.json));
        return;
      }
      if (!id) throw new GatewayConfigError('give a route id, or --file routes.json', 'route set');
      const options: Record<string, unknown> = {};
      if (f.userKey) options.userKey = parseKeySource(f.userKey, '--user-key');
      if (f.entityKey) options.entityKey = parseKeySource(f.entityKey, '--entity-key');
      if (f.entity) options.entity = f.entity;
      if (f.aspireOnFirstTouch !== undefined) options.aspireOnFirstTouch = f.aspireOnFirstTouch;
      if (f.budgetMs !== undefined) options.aspireBudgetMs = f.budgetMs;
      if (f.mirrorWrites) options.mirrorWrites = true;
      if (f.canaryShadow) options.canaryShadow = true;
      if (f.fallback === false) options.fallback = false;
      const edit = {
        ...(f.mode ? { mode: parseMode(f.mode, '--mode') } : {}),
        ...(f.path ? { match: { path: f.path, ...(f.methods ? { methods: f.methods.split(',').map((m) => m.trim().toUpperCase()) } : {}) } } : {}),
        ...(Object.keys(options).length ? { options } : {}),
      };
      if (!edit.mode && !edit.match && !edit.options) throw new GatewayConfigError('nothing to change: give --mode, --path or options', 'route set');
      const api = await adminClient(f);
      if (api) {
        // the mode goes as the user wrote it: the API parses it the same way (and says what is wrong with it)
        const body = { ...(f.mode ? { mode: f.mode } : {}), ...(edit.match ? { match: edit.match } : {}), ...(edit.options ? { options: edit.options } : {}), ...(f.reason ? { reason: f.reason } : {}) };
        print(await api.post<RouteTable>(`/routes/${encodeURIComponent(id)}`, body), f.json);
        return;
      }
      await withStore(f, 'write', async (s) => print(await setRoute(s, id, edit, audit(f)), f.json));
    });

  change(route.command('rollback [id]').description('instant rollback: every route (or the named one) back to legacy'))
    .action(async (id: string | undefined, f: Common) => {
      const api = await adminClient(f);
      if (api) { print(await api.post<RouteTable>('/rollback', { ...(id ? { id } : {}), ...(f.reason ? { reason: f.reason } : {}) }), f.json); return; }
      await withStore(f, 'read', async (s) => print(await rollbackRoutes(s, audit(f), id), f.json));
    });
}
