import { hostname } from 'node:os';
import type { Logger } from '../../observe/logger.js';
import type { LedgerStore } from '../../state/types.js';
import type { GatewayAspirer } from './aspire-port.js';
import { LedgerCache } from './ledger-cache.js';
import { OwnerRouter } from './owner-router.js';

/** How a running gateway does owner routing (`RunGatewayOptions.owner`). */
export interface OwnerRoutingOptions {
  /**
   * Makes this process's aspirer (called once per process, workers included): enables `aspireOnFirstTouch`. Absent:
   * owner routes route by the ledger only.
   */
  readonly aspirer?: () => Promise<(GatewayAspirer & { close?(): Promise<void> }) | undefined>;
  /** Ledger feed poll interval (ms), the bound on staleness. Default 50. */
  readonly pollMs?: number;
}

export interface OwnerRouting {
  readonly router: OwnerRouter;
  readonly cache: LedgerCache;
  close(): Promise<void>;
}

/** The ledger cache (read whole before the gateway listens) and the router over it. */
export async function startOwnerRouting(store: Pick<LedgerStore, 'ledgerChanges'>, opts: OwnerRoutingOptions = {}, log?: Logger): Promise<OwnerRouting> {
  const cache = await LedgerCache.start(store, { ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}), ...(log ? { log } : {}) });
  let aspirer: (GatewayAspirer & { close?(): Promise<void> }) | undefined;
  try {
    aspirer = opts.aspirer ? await opts.aspirer() : undefined;
  } catch (e) {
    await cache.close();
    throw e;
  }
  const router = new OwnerRouter({
    ledger: cache, ...(aspirer ? { aspirer } : {}), actor: `gateway@${hostname()}:${process.pid}`, ...(log ? { log } : {}),
  });
  return {
    router, cache,
    close: async () => { await cache.close(); await aspirer?.close?.(); },
  };
}
