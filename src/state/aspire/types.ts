import type { JsonValue } from '../types.js';

/**
 * Aspire's part of the state store (migration 40, table `aspire_flights`): the single-flight claim shared by every
 * process on the store, the queue of requests from processes that do not run the data path, and the entities
 * already migrated. Opened apart from `StateStore` (like verify's results), so that interface stays as it is.
 */
export const FLIGHT_STATES = ['queued', 'running', 'migrated', 'quarantined', 'failed'] as const;
export type FlightState = (typeof FLIGHT_STATES)[number];
/** States a flight ends in; a waiter stops waiting at one of them. */
export type SettledFlightState = Exclude<FlightState, 'queued' | 'running'>;

export interface FlightRecord {
  readonly entity: string;
  readonly key: string;
  readonly state: FlightState;
  /** The aspirer instance running it (state running), or that ran it last. */
  readonly owner: string | null;
  /** Epoch ms until which a `running` line belongs to its owner; past it, anyone may take the flight over. */
  readonly leaseUntil: number;
  readonly trigger: string;
  readonly actor: string | null;
  readonly rows: number;
  readonly version: string | null;
  /** The settled AspireResult's details (failed rows, reason...), as JSON. */
  readonly result: JsonValue;
  readonly attempts: number;
  readonly requestedAt: number;
  readonly updatedAt: number;
}

export interface FlightClaim {
  readonly entity: string;
  readonly key: string;
  readonly owner: string;
  readonly leaseMs: number;
  readonly trigger: string;
  readonly actor?: string | null;
  /** Also take a `migrated` line (a caller arrived after the last flight's HIGH watermark: it needs a new one). */
  readonly evenIfMigrated?: boolean;
}

/** A request from a process that does not run the data path; `plainKey` is the key as the caller gave it (kept in result_json until served). */
export interface FlightRequest {
  readonly entity: string;
  readonly key: string;
  readonly plainKey: string;
  readonly trigger: string;
  readonly actor?: string | null;
}

export interface FlightFinish {
  readonly entity: string;
  readonly key: string;
  readonly owner: string;
  readonly state: SettledFlightState;
  readonly rows: number;
  readonly version: string | null;
  readonly result: JsonValue;
}

export interface AspireFlightStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Takes the flight for `owner`: when there is no line, or it is queued, failed or quarantined (a new attempt), or
   * running under an expired lease (its owner died). Otherwise the line is returned untouched (`claimed: false`):
   * somebody runs it (wait for it) or it is migrated (answer at once).
   */
  claim(c: FlightClaim): Promise<{ readonly claimed: boolean; readonly record: FlightRecord }>;
  /** `claim` for several flights in one round trip (answers in the same order). */
  claimMany(claims: readonly FlightClaim[]): Promise<{ readonly claimed: boolean; readonly record: FlightRecord }[]>;
  /** Settles a flight `owner` holds. False when the claim was lost meanwhile (lease expired and taken over). */
  finish(f: FlightFinish): Promise<boolean>;
  /** `finish` for several flights in one round trip (answers in the same order). */
  finishMany(fs: readonly FlightFinish[]): Promise<boolean[]>;
  /** Gives back the flights an owner still holds (clean stop): they become `failed` (retryable) at once. */
  release(owner: string): Promise<number>;
  /**
   * Queues a request for the process that runs the data path. `created`: this call queued it (a new line, or a new
   * attempt after failed/quarantined); otherwise it joined a queued or running flight, or the entity is migrated.
   */
  request(r: FlightRequest): Promise<{ readonly created: boolean; readonly record: FlightRecord }>;
  get(entity: string, key: string): Promise<FlightRecord | undefined>;
  /** Queued lines, oldest first (the serving process takes them). */
  queued(limit: number): Promise<FlightRecord[]>;
  /**
   * Calls `fn` when a flight line changes (PostgreSQL: NOTIFY sent in the writing statement's transaction; SQLite:
   * only changes made through this process's handles). Waiters still poll: a notification is a shortcut, not a
   * guarantee.
   */
  subscribe(fn: (event: { readonly state: FlightState; readonly entity: string; readonly key: string }) => void): () => void;
  close(): Promise<void>;
}
