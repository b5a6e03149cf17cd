import type { JsonValue } from '../types.js';

/**
 * Verify's part of the state store (tables of migration 20): runs, the latest result per legacy table (the
 * dashboard's running compatibility figure) and every difference found. Values in stored differences are redacted
 * by the caller (personal data never lands here in clear).
 */
export interface VerifyRunStart {
  /** `full`, `continuous`, `keys`, `repair`. */
  readonly mode: string;
  /** What was verified: `all`, `table:T`, `entity:E`, `entity:E key:K`. */
  readonly scope: string;
}

export interface StoredDifference {
  readonly sourceTable: string;
  readonly nextTable: string;
  /** The next key as text (stable, unique per next table). */
  readonly keyText: string;
  readonly kind: string;
  readonly legacyKey: JsonValue;
  readonly columns: JsonValue;
}

export interface VerifyTableResult {
  readonly table: string;
  readonly runId: number;
  readonly verdict: string;
  readonly legacyRows: number;
  readonly matched: number;
  readonly missing: number;
  readonly extra: number;
  readonly mismatched: number;
  readonly quarantined: number;
  readonly rechecked: number;
  readonly compatibility: number;
  readonly updatedAt: Date;
}

export interface VerifyRunRecord {
  readonly id: number;
  readonly mode: string;
  readonly scope: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly verdict: string | null;
  readonly summary: JsonValue;
}

export interface VerifyResultStore {
  startRun(run: VerifyRunStart): Promise<number>;
  /** Adds differences to a run (a key seen twice in one run keeps the last). */
  addDifferences(runId: number, differences: readonly StoredDifference[]): Promise<void>;
  /** Closes a run with its verdict and summary, and moves the per-table figures to this run's. */
  finishRun(runId: number, verdict: string, summary: JsonValue, tables: readonly Omit<VerifyTableResult, 'runId' | 'updatedAt'>[]): Promise<void>;
  getRun(runId: number): Promise<VerifyRunRecord | undefined>;
  listDifferences(runId: number, filter?: { readonly sourceTable?: string; readonly limit?: number }): Promise<StoredDifference[]>;
  tableResults(): Promise<VerifyTableResult[]>;
  close(): Promise<void>;
}
