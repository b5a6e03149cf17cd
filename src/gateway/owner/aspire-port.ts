/**
 * What the gateway needs from aspire (`src/aspire/types.ts`, issue 13): one call, one result. Written as the subset
 * the gateway reads, so any `Aspirer` (in-process, or a client of the process that runs the data path) fits.
 */
export interface GatewayAspireRequest {
  readonly entity: string;
  readonly key: string;
  readonly trigger: 'gateway';
  readonly actor?: string;
}

export type GatewayAspireResult =
  | { readonly outcome: 'migrated' | 'already' | 'shared'; readonly ms: number }
  | { readonly outcome: 'quarantined'; readonly ms: number; readonly failed: readonly { readonly table: string; readonly reason: string }[] }
  | { readonly outcome: 'failed'; readonly ms: number; readonly reason: string; readonly message: string; readonly retryable: boolean };

export interface GatewayAspirer {
  aspire(req: GatewayAspireRequest): Promise<GatewayAspireResult>;
  /**
   * The entity key as the ledger writes it (`int:42` for the URL's `42`: the root key typed as its column, as
   * `keyToText` writes it). Throws on a key that cannot be one. Absent: the request's key is the ledger's.
   */
  ledgerKey?(entity: string, key: string): string;
}
