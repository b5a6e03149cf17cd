import type { EndpointRegistry } from '../registry.js';
import type { AdminDeps } from '../server.js';
import { mountBackfill } from './control-settings.js';
import { mountQuarantine } from './quarantine.js';
import { mountReads, verifyOpener } from './reads.js';
import { mountRoutes } from './routes.js';

/** The endpoints the admin API always has; `close` releases what they opened (verify results' connection). */
export function mountBuiltins(registry: EndpointRegistry, deps: AdminDeps): { close(): Promise<void> } {
  const verify = verifyOpener(deps.stateUrl);
  mountRoutes(registry, deps);
  mountBackfill(registry, deps);
  mountQuarantine(registry, deps);
  mountReads(registry, deps, verify.get);
  return { close: verify.close };
}
