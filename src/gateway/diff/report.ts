import type { DiffKind, DiffLimit } from './types.js';

/** JSON report of the diff aggregate (served by the gateway, printed by `siphon replay`, stored by the state store). */
export interface DiffReport {
  readonly generatedAt: string;
  readonly thresholds: { readonly relative: number; readonly absolute: number };
  /** Exchanges compared (legacy answered, bodies complete). */
  readonly compared: number;
  /** Compared exchanges without any real difference. */
  readonly compatible: number;
  /** compatible / compared, or null before the first comparison. */
  readonly compatibility: number | null;
  /** Compared exchanges that also had a usable legacy2 answer (noise data). */
  readonly withNoise: number;
  readonly skipped: { readonly legacyError: number; readonly truncated: number };
  readonly endpoints: EndpointReport[];
  readonly limits: LimitsReport;
}

export interface LimitsReport {
  /** Exchanges of endpoints beyond the endpoint cap (not compared, not counted above). */
  readonly droppedEndpoints: number;
  /** Field paths beyond the per-endpoint cap (their differences count as real, conservatively). */
  readonly droppedFields: number;
  /** Requests with differences whose combination could not be tracked (counted as not compatible). */
  readonly untrackedRequests: number;
  /** Comparisons cut by a limit, per limit. */
  readonly partial: Readonly<Record<DiffLimit, number>>;
  /** Exchanges dropped because the sink's queue was full (set by `DiffSink`). */
  readonly queueDropped: number;
}

export interface EndpointReport {
  readonly endpoint: string;
  readonly routeId: string;
  readonly compared: number;
  readonly withNoise: number;
  readonly compatible: number;
  readonly compatibility: number | null;
  /** Differences dropped because they were under an ignored prefix. */
  readonly ignoredDifferences: number;
  /** Fields where legacy and next differed at least once; real ones first. */
  readonly fields: FieldReport[];
}

export interface FieldReport {
  /** Normalised path, e.g. `$.invoices[*].amount`, `status`, `header:content-type`. */
  readonly path: string;
  readonly real: boolean;
  readonly reason: 'no-noise-data' | 'above-noise' | 'within-noise' | 'nondeterministic';
  /** Requests (all) where legacy ≠ next here. */
  readonly differing: number;
  /** Among requests with a legacy2 answer: legacy ≠ next (raw) and legacy ≠ legacy2 (noise). */
  readonly raw: number;
  readonly noise: number;
  readonly relative?: number;
  readonly absolute?: number;
  readonly kinds: KindReport[];
}

export interface KindReport {
  readonly kind: DiffKind;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly samples: DiffSample[];
}

/** One example of a difference; values are redacted JSON text, cut to a few hundred characters. */
export interface DiffSample {
  readonly traceId: string;
  readonly at: string;
  /** `GET /invoices/7?x=1` with sensitive query values hidden. */
  readonly request: string;
  /** Concrete path, e.g. `$.invoices[3].amount`. */
  readonly path: string;
  readonly legacy?: string;
  readonly next?: string;
  readonly note?: string;
}
