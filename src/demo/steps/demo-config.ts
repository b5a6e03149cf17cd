import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The demo's migration config (SQLite → SQLite), from the sources or from the compiled package. */
export function demoConfigFile(): string {
  for (const ext of ['ts', 'js']) {
    const f = fileURLToPath(new URL(`../../../examples/billing/siphon.sqlite.config.${ext}`, import.meta.url));
    if (existsSync(f)) return f;
  }
  throw new Error('examples/billing/siphon.sqlite.config.ts is missing from this installation');
}
