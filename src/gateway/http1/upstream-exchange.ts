import type { UpstreamError } from '../errors.js';

/** What the proxy hears back from one upstream request (the shape of undici's dispatch handler, headers as strings). */
export interface UpstreamHandler {
  /** The final (non-1xx) response head. Header values are latin1 strings, exactly as on the wire. */
  onHeaders(status: number, statusText: string, headers: string[]): void;
  /** A body chunk; return false to stop reading from the upstream until `resume()`. */
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  /** Once; nothing else is called afterwards. */
  onError(err: UpstreamError): void;
}

/** How the request body is framed towards the upstream. */
export type BodyFraming = { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };

export interface UpstreamRequest {
  readonly method: string;
  /** origin-form target: path and query. */
  readonly path: string;
  /** Flat [name, value, …]: end-to-end headers only (no framing, no hop-by-hop). */
  readonly headers: readonly string[];
  readonly body: BodyFraming;
}

export type ExchangeState = 'queued' | 'sent' | 'receiving' | 'done';

/** Request body bytes held for a queued exchange before the caller is told to pause (resumed once it is sent). */
export const PENDING_LIMIT = 64 * 1024;

/**
 * One request on its way to an upstream: created queued, given a connection by the pool. The request body is
 * written through it (buffered while queued — bounded by the caller's backpressure: `write` returns false).
 */
export class UpstreamExchange {
  #state: ExchangeState = 'queued';
  /** Counted in its client's share of the pool (queued or on a connection), or parked until its client is under it. */
  admitted = false;
  parked = false;
  /** performance.now() at creation, when the request was sent whole, and at the last byte received (pool timeout sweep). */
  readonly createdAt = performance.now();
  sentAt = 0;
  lastByteAt = 0;
  /** A response byte arrived: a failure after this point can not be retried elsewhere. */
  answered = false;
  /** Whether a failure before any answer may be retried once on a fresh connection (no body, idempotent). */
  readonly retryable: boolean;
  retried = false;
  /** Reading paused because the handler returned false. */
  paused = false;
  /** Body written before a connection was assigned, and whether the caller has ended it. */
  pending: Buffer[] | undefined;
  pendingBytes = 0;
  bodyEnded: boolean;
  /** Set by the pool: the connection carrying it, and hooks to act on it. */
  conn: ExchangeConnection | undefined;
  onDrain: (() => void) | undefined;

  constructor(
    readonly request: UpstreamRequest, readonly handler: UpstreamHandler, readonly pool: ExchangePool,
    /** Who asks, for the pool's per-client share (undefined: not counted). */
    readonly client?: string,
  ) {
    this.bodyEnded = request.body.kind === 'none';
    this.retryable = this.bodyEnded && (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS');
  }

  get state(): ExchangeState { return this.#state; }
  /** Every way an exchange ends passes here: the pool then gives its client's turn to the next one. */
  set state(s: ExchangeState) {
    const was = this.#state;
    this.#state = s;
    if (s === 'done' && was !== 'done' && (this.admitted || this.parked)) this.pool.settled(this);
  }

  get skipsBody(): boolean { return this.request.method === 'HEAD'; }

  /** A body chunk from the client. Returns false when the caller should pause until `onDrain`. */
  write(chunk: Buffer): boolean {
    if (this.state === 'done' || chunk.length === 0) return true;
    if (this.conn && this.state !== 'queued') return this.conn.writeBody(chunk);
    (this.pending ??= []).push(chunk);
    this.pendingBytes += chunk.length;
    return this.pendingBytes < PENDING_LIMIT;
  }

  end(): void {
    if (this.bodyEnded || this.state === 'done') return;
    this.bodyEnded = true;
    if (this.conn && this.state !== 'queued') this.conn.endBody();
  }

  /** The caller gave up (client left, fallback): the connection is not reusable, the handler hears nothing more. */
  abort(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    if (this.conn) this.conn.abandon();
    else this.pool.unqueue(this);
  }

  /** Reading resumes after the handler returned false from onData. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.lastByteAt = performance.now();
    this.conn?.resumeReading();
  }
}

/** What callers hold of one upstream request: the llhttp pool's `UpstreamExchange`, or the fallback's (fallback/). */
export interface ExchangeHandle {
  /** A body chunk; false: wait for `onDrain`. */
  write(chunk: Buffer): boolean;
  end(): void;
  /** The caller gave up: the handler hears nothing more. */
  abort(): void;
  /** Reading resumes after the handler returned false from onData. */
  resume(): void;
  onDrain: (() => void) | undefined;
}

/** An upstream pool as the proxy and the mirror use it (`UpstreamPool`, or the fallback's undici pool). */
export interface UpstreamPoolLike {
  /** `client` counts the request in that client's share of the pool, where the pool enforces one. */
  request(req: UpstreamRequest, handler: UpstreamHandler, client?: string): ExchangeHandle;
  close(): void;
  destroy(): void;
}

/** What an exchange needs from its connection and pool (kept narrow so each file stands alone). */
export interface ExchangeConnection {
  writeBody(chunk: Buffer): boolean;
  endBody(): void;
  abandon(): void;
  resumeReading(): void;
}
export interface ExchangePool {
  unqueue(ex: UpstreamExchange): void;
  /** The exchange ended (answered, failed, aborted): its client's count drops. */
  settled(ex: UpstreamExchange): void;
}

/** The request head on the wire: request line, headers, framing, blank line (latin1, as llhttp decoded it). */
export function requestHead(r: UpstreamRequest, host: string): string {
  let head = `${r.method} ${r.path} HTTP/1.1\r\n`;
  let hasHost = false;
  const h = r.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    if (!hasHost && name.length === 4 && name.toLowerCase() === 'host') hasHost = true;
    head += `${name}: ${h[i + 1]}\r\n`;
  }
  if (!hasHost) head += `host: ${host}\r\n`;
  const b = r.body;
  if (b.kind === 'length') head += `content-length: ${b.length}\r\n`;
  else if (b.kind === 'chunked') head += 'transfer-encoding: chunked\r\n';
  else if (r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH') head += 'content-length: 0\r\n';
  return head + '\r\n';
}
