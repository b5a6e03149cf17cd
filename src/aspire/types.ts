// The aspire contract (issue 13): pull one entity from legacy into next on demand. The gateway (branch `owner`), the
// CLI and the admin API all speak this interface; fields may be added, never renamed.

/** Who asked: recorded in the audit entry and the metrics labels. */
export type AspireTrigger = 'cli' | 'api' | 'gateway' | 'library';

export interface AspireRequest {
  /** Entity name as the mappings' `entity` config declares it (e.g. 'customer'). */
  readonly entity: string;
  /** The root key as text (single-column keys: the value; composite: JSON array of the values). */
  readonly key: string;
  readonly trigger: AspireTrigger;
  /** Who triggered it (user, token name, gateway route): goes to the audit entry, never a secret. */
  readonly actor?: string;
  /** Abandons the WAIT of this caller; the flight itself continues for the others (and finishes in the background). */
  readonly signal?: AbortSignal;
}

/** One row of an entity that could not be applied: the entity stays served by legacy. */
export interface AspireFailedRow {
  readonly table: string;
  readonly key: string;
  readonly reason: string;
  readonly detail: string;
}

export type AspireResult =
  | {
      /** 'shared' = this call joined another caller's flight (in this process or another sharing the state store). */
      readonly outcome: 'migrated' | 'already' | 'shared';
      readonly entity: string;
      readonly key: string;
      /** Rows of the entity copied by this flight (0 for 'already'). */
      readonly rows: number;
      /** The legacy version (log position) next is known to hold the entity at, when known. */
      readonly version?: string;
      readonly ms: number;
    }
  | {
      readonly outcome: 'quarantined';
      readonly entity: string;
      readonly key: string;
      readonly ms: number;
      readonly failed: readonly AspireFailedRow[];
    }
  | {
      readonly outcome: 'failed';
      readonly entity: string;
      readonly key: string;
      readonly ms: number;
      /** Stable code (e.g. 'NEXT_UNAVAILABLE', 'ABORTED', 'UNKNOWN_ENTITY', 'TIMEOUT'). */
      readonly reason: string;
      readonly message: string;
      readonly retryable: boolean;
    };

export type AspireOutcome = AspireResult['outcome'];

export interface Aspirer {
  aspire(req: AspireRequest): Promise<AspireResult>;
  close(): Promise<void>;
}
