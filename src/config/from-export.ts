import { dirname } from 'node:path';
import { ConfigLoadError } from './errors.js';
import { resolveConfig } from './resolve.js';
import type { ResolvedConfig } from './types.js';

/**
 * A config module's default export turned into the resolved config: a factory (`export default async () =>
 * defineMigration({...})`, to fetch secrets or compute tables) is called first. Shared by `loadConfig` and by the
 * verify threads, which import the config module their own way (a bundle), so that both read an export alike.
 */
export async function configFromExport(exported: unknown, file: string): Promise<ResolvedConfig> {
  // a config compiled to CommonJS arrives as { default: module.exports } with module.exports = { default: config }
  if (typeof exported === 'object' && exported !== null && 'default' in exported && !('tables' in exported)) {
    exported = (exported as { default: unknown }).default;
  }
  if (exported === undefined) {
    throw new ConfigLoadError('NO_DEFAULT_EXPORT', file, 'has no default export; end it with `export default defineMigration({...})`');
  }
  if (typeof exported === 'function') {
    try { exported = await (exported as () => unknown)(); } catch (e) {
      throw new ConfigLoadError('IMPORT', file, `the default export is a function and it failed: ${(e as Error)?.message ?? String(e)}`, e);
    }
  }
  return resolveConfig(exported, { file, baseDir: dirname(file) });
}
