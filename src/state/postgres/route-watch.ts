import pg from 'pg';
import type { RouteWatchOptions, Unsubscribe } from '../types.js';

export interface PgRouteWatchSetup {
  readonly client: pg.ClientConfig;
  /** The NOTIFY channel the store signals route table changes on (payload: the new version). */
  readonly channel: string;
  readonly readVersion: () => Promise<number>;
}

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries) plus a slow poll of the version as
 * a safety net: notifications sent while the connection is down are lost, so after a reconnect we also re-read the
 * version. Versions only grow, so `> last` filters duplicates from the two paths.
 */
export async function watchPgRoutes(
  setup: PgRouteWatchSetup, onChange: (version: number) => void, options: RouteWatchOptions = {},
): Promise<Unsubscribe> {
  let closed = false;
  let client: pg.Client | undefined;
  let reconnecting = false;
  let polling = false;
  let last = 0;
  const report = (e: unknown) => options.onError?.(e instanceof Error ? e : new Error(String(e)));
  const seen = (version: number) => {
    if (!closed && version > last) { last = version; onChange(version); }
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ ...setup.client, application_name: 'siphon-route-watch' });
    c.on('notification', (m) => { const n = Number(m.payload); if (Number.isSafeInteger(n)) seen(n); });
    c.on('error', (e) => { report(e); reconnect(c); });
    c.on('end', () => reconnect(c));
    await c.connect();
    await c.query(`LISTEN "${setup.channel}"`);
    client = c;
  };

  const reconnect = (dead: pg.Client): void => {
    if (closed || reconnecting || client !== dead) return;
    reconnecting = true;
    client = undefined;
    dead.end().catch(() => undefined);
    const retry = (delay: number) => setTimeout(() => {
      if (closed) return;
      connect()
        .then(async () => { reconnecting = false; seen(await setup.readVersion()); })
        .catch((e) => { report(e); retry(Math.min(delay * 2, 5000)); });
    }, delay);
    retry(100);
  };

  await connect();
  // after LISTEN: a change committed from now on is notified or polled
  const current = await setup.readVersion();
  last = options.sinceVersion ?? current;
  seen(current);
  const timer = setInterval(() => {
    if (polling || closed) return;
    polling = true;
    setup.readVersion().then(seen, report).finally(() => { polling = false; });
  }, options.pollMs ?? 1000);

  return async () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };
}
