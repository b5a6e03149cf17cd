import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { AdminClient } from '../control/admin/client.js';
import { AdminRequestError } from '../control/admin/errors.js';
import { clientToken, DEFAULT_TOKEN_FILE } from '../control/admin/tokens.js';

/**
 * Where a CLI command sends its work: to a running admin API (`--admin URL`, or the config's `admin.url`), or —
 * the no-server mode — straight to the state store. Through the API the audit trail names the token's identity;
 * `--actor` only exists for the no-server mode (whoever can write the store can name anyone: that is why the API
 * exists) and is refused with `--admin`.
 */
export interface AdminFlags {
  /** `--admin URL`; `false` from `--no-admin` (ignore the config's admin.url). */
  admin?: string | false;
  tokenFile?: string;
  actor?: string;
  config?: string;
}

/** Adds `--admin URL`, `--no-admin` and `--token-file FILE` to a command. */
export function adminOptions(c: Command): Command {
  return c
    .option('--admin <url>', "talk to this running admin API (default: the config's admin.url; none: the state store directly)")
    .option('--no-admin', "work on the state store directly even when the config names an admin API")
    .option('--token-file <file>', `admin token file (default: env SIPHON_ADMIN_TOKEN, the config's admin.tokenFile, ${DEFAULT_TOKEN_FILE})`);
}

/** The admin client when one is named, else undefined (no-server mode). */
export async function adminClient(flags: AdminFlags, config?: ResolvedConfig): Promise<AdminClient | undefined> {
  if (flags.admin === false) return undefined;
  const cfg = config ?? (flags.config ? await loadConfig(flags.config) : undefined);
  const url = flags.admin ?? cfg?.admin?.url;
  if (!url) return undefined;
  if (!/^https?:\/\/[^/]/.test(url)) throw new AdminRequestError(`--admin: expected an http(s) URL, found "${url}"`);
  if (flags.actor !== undefined) {
    throw new AdminRequestError('--actor cannot be used with the admin API: the audit trail names the identity of your token');
  }
  return new AdminClient(url, tokenFor(flags, cfg));
}

function tokenFor(flags: AdminFlags, config: ResolvedConfig | undefined): string {
  if (flags.tokenFile) return clientToken(flags.tokenFile);
  const env = process.env.SIPHON_ADMIN_TOKEN?.trim();
  if (env) return env;
  const file = config?.admin?.tokenFile ?? DEFAULT_TOKEN_FILE;
  if (existsSync(file)) return clientToken(file);
  throw new AdminRequestError(`the admin API needs a token: --token-file FILE or SIPHON_ADMIN_TOKEN (no ${file} here)`);
}
