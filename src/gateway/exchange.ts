/**
 * The captured exchange the gateway hands to the diff engine (and to record/replay): one user request and the
 * answers of legacy, next and (optionally) a second legacy instance used for noise cancellation.
 *
 * Produced by the mirror OFF the hot path: bodies are bounded copies (see `truncated`), headers are plain
 * lower-cased name → value maps (repeated headers joined with ", ", `set-cookie` joined with "\n").
 * Secrets are NOT removed here: the sink is responsible for redaction before anything is stored or logged.
 */

/** Lower-cased header name → value. */
export type HeaderMap = Readonly<Record<string, string>>;

export interface CapturedRequest {
  readonly method: string;
  /** Path and query as the client sent it (origin-form), e.g. `/customers/42?x=1`. */
  readonly url: string;
  readonly headers: HeaderMap;
  /** Request body copy when present and within the mirror's body limit. */
  readonly body?: Buffer;
}

export interface CapturedResponse {
  /** HTTP status, or 0 when no answer arrived (see `error`). */
  readonly status: number;
  readonly headers: HeaderMap;
  /** Body copy, at most the mirror's response body limit. */
  readonly body: Buffer;
  /** True when the body was longer than the limit and was cut. A diff engine should not compare cut bodies. */
  readonly truncated: boolean;
  /** Set when the side failed: connection error, timeout... (`status` is then 0). */
  readonly error?: string;
  /** Time from sending the request to the end of the response body, in milliseconds. */
  readonly durationMs: number;
}

export interface Exchange {
  /** Id of the route that matched (from the route table). */
  readonly routeId: string;
  /** Method + route pattern, e.g. `GET /customers/:id`: the aggregation key for diffs. */
  readonly endpoint: string;
  readonly request: CapturedRequest;
  readonly legacy: CapturedResponse;
  readonly next: CapturedResponse;
  /** Answer of the second legacy instance, when one is configured (noise cancellation). */
  readonly legacy2?: CapturedResponse;
  /** W3C trace id (32 lower-case hex) of the user request. */
  readonly traceId: string;
  /** Epoch milliseconds when the user request arrived. */
  readonly at: number;
}

/**
 * Receives exchanges off the hot path. `accept` must not throw and should return quickly (queue work internally);
 * the gateway never awaits it on a user request.
 */
export interface DiffSink {
  accept(exchange: Exchange): void;
  /** Optional: flush pending work (called on graceful shutdown). */
  close?(): Promise<void>;
}

/** The sink used until a comparator is configured: drops every exchange. */
export const noopDiffSink: DiffSink = { accept() {} };
