import type { Logger } from '../observe/logger.js';
import type { RouteStore, Unsubscribe } from '../state/types.js';
import type { Gateway } from './server.js';
import { fromStoredRoute } from './routing/store-routes.js';

/**
 * Keeps a gateway's route table equal to the state store's: loads it once, then reloads on every version change
 * reported by `watchRoutes` (SQLite: polled every `pollMs`, default 20 ms; PostgreSQL: LISTEN/NOTIFY). A table
 * that fails to compile is refused, logged, and the previous table stays in use: a bad edit never takes the
 * gateway down. Reloads are serialized and always fetch the newest table, so a burst of changes converges.
 */
export async function followStateRoutes(
  store: RouteStore, gateway: Pick<Gateway, 'setRoutes' | 'routeTable'>, log: Logger, pollMs?: number,
): Promise<Unsubscribe> {
  let running: Promise<void> | undefined;
  let again = false;
  const reload = async (): Promise<void> => {
    const table = await store.getRoutes();
    if (table.version === gateway.routeTable().version) return;
    try {
      gateway.setRoutes(table.routes.map(fromStoredRoute), table.version);
      log.info({ version: table.version, routes: table.routes.length }, 'route table loaded');
    } catch (e) {
      log.error({ version: table.version, error: (e as Error).message }, 'route table refused; keeping the previous one');
    }
  };
  const trigger = (): void => {
    if (running) { again = true; return; }
    running = reload()
      .catch((e: Error) => log.error({ error: e.message }, 'route table reload failed'))
      .finally(() => { running = undefined; if (again) { again = false; trigger(); } });
  };
  await reload();
  // sinceVersion: a change committed between the load above and the subscription is reported at once, not lost
  const unsubscribe = await store.watchRoutes(() => trigger(), {
    sinceVersion: gateway.routeTable().version,
    ...(pollMs !== undefined ? { pollMs } : {}),
    onError: (e) => log.warn({ error: e.message }, 'route watch error (retrying)'),
  });
  return async () => { await unsubscribe(); await running; };
}
