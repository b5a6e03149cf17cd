import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { DEFAULT_ADMIN_PORT, startAdminApi } from '../../control/admin/start.js';
import { DEFAULT_TOKEN_FILE } from '../../control/admin/tokens.js';
import { gatewayRouteCheck } from '../../gateway/control.js';
import { err, out } from '../output.js';

interface Flags { config?: string; state?: string; port?: number; host?: string; tokenFile?: string; json?: boolean }

function portArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number from 0 to 65535, found "${v}"`);
  return n;
}

/** `siphon admin start`: the control plane's admin API alone (`siphon start` embeds the same component). */
export function registerAdmin(program: Command): void {
  const admin = program.command('admin').description("the control plane's admin API (routes, backfill, quarantine, status, audit, diffs over HTTP, bearer tokens)");
  admin.command('start')
    .description('run the admin API until SIGTERM/SIGINT; generates the tokens file (0600) on first start')
    .option('-c, --config <file>', 'migration config (state store, admin.host/port/tokenFile; status and quarantine retry need it)')
    .option('--state <url>', "state store URL (default: the config's)")
    .option('--port <n>', `listen port (default: the config's admin.port, else ${DEFAULT_ADMIN_PORT}; 0: any free port)`, portArg)
    .option('--host <addr>', "listen address (default: the config's admin.host, else 127.0.0.1)")
    .option('--token-file <file>', `tokens file, ROLE IDENTITY TOKEN per line (default: the config's admin.tokenFile, else ${DEFAULT_TOKEN_FILE})`)
    .option('--json', 'print where it listens as one JSON line')
    .action(async (f: Flags) => {
      const config = f.config ? await loadConfig(f.config) : undefined;
      const running = await startAdminApi({
        ...(config ? { config } : {}), ...(f.state ? { stateUrl: f.state } : {}), ...(f.port !== undefined ? { port: f.port } : {}),
        ...(f.host ? { host: f.host } : {}), ...(f.tokenFile ? { tokenFile: f.tokenFile } : {}), checkRoutes: gatewayRouteCheck,
      });
      const info = { url: running.url, port: running.address.port, tokenFile: running.tokenFile, tokensCreated: running.tokensCreated };
      if (f.json) out(JSON.stringify(info));
      else err(`admin API listening on ${running.url} (tokens: ${running.tokenFile}${running.tokensCreated ? ', generated' : ''})`);
      await new Promise<void>((resolve) => {
        const stop = () => { void running.stop().then(resolve); };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
