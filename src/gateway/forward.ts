import type { BodyCapture } from './capture.js';
import { BodyTooLargeError, UpstreamError } from './errors.js';
import type { FallbackReason } from './gateway-metrics.js';
import { clientResponseHeaders } from './headers.js';
import type { ClientResponse } from './http1/gateway-response.js';
import type { ExchangeHandle, UpstreamHandler, UpstreamPoolLike, UpstreamRequest } from './http1/upstream-exchange.js';

export interface PrimaryHooks {
  /** Once, when the user's answer is complete or failed. `status` is what the client got (0: connection cut). */
  done(status: number, error?: Error): void;
  /**
   * When set (next-routed idempotent requests), a failure before any byte was sent to the client — connection error,
   * timeout or 5xx status — is handed here instead of being answered: the caller answers from legacy.
   */
  failover?(reason: FallbackReason, error?: Error): void;
  /** Extra response headers (name, value, …) added to the upstream's, e.g. owner mode's `x-siphon-served-by`. */
  readonly headers?: readonly string[];
}

/** The Content-Length of response headers (-1 when absent or not a plain number). */
function contentLength(raw: readonly string[]): number {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      const v = raw[i + 1]!.trim();
      return /^\d+$/.test(v) ? Number(v) : -1;
    }
  }
  return -1;
}

/**
 * Streams one upstream answer to the client with backpressure both ways: a full client socket pauses the upstream
 * read (`onData` returns false, `resume` on drain). Nothing is buffered except the optional bounded capture for the
 * mirror's exchange.
 */
export class PrimaryHandler implements UpstreamHandler {
  exchange: ExchangeHandle | undefined;
  #clientGone = false;
  #failingOver = false;
  #finished = false;
  /** Declared Content-Length of the answer (-1: none), and whether the client's answer was ended from onData. */
  #length = -1;
  #ended = false;
  status = 0;
  rawHeaders: string[] | undefined;

  constructor(
    private readonly res: ClientResponse,
    private readonly hooks: PrimaryHooks,
    private readonly capture?: BodyCapture,
  ) {}

  /** `client`: who asks (for the pool's per-client share). */
  start(pool: UpstreamPoolLike, request: UpstreamRequest, client?: string): ExchangeHandle {
    this.exchange = pool.request(request, this, client);
    return this.exchange;
  }

  /** The client left: abort the upstream request, even if it is still waiting for a connection. */
  clientGone(): void {
    if (this.#clientGone) return;
    this.#clientGone = true;
    this.exchange?.abort();
    this.#finish(0, new Error('client closed the connection'));
  }

  /** The request itself is refused mid-body (too large): drop the upstream request and answer the client. */
  refuseRequest(err: BodyTooLargeError): void {
    this.exchange?.abort();
    this.#failingOver = false;
    this.#answerError(err);
  }

  onHeaders(status: number, statusText: string, headers: string[]): void {
    if (this.#clientGone) return;
    if (this.hooks.failover && status >= 500) {
      // Let the failed body drain into nothing (keeps the connection reusable) while legacy answers.
      this.#failingOver = true;
      this.hooks.failover('status');
      return;
    }
    this.status = status;
    if (this.capture) this.rawHeaders = headers;
    this.#length = contentLength(headers);
    const out = clientResponseHeaders(headers);
    if (this.hooks.headers) out.push(...this.hooks.headers);
    this.res.writeHead(status, statusText, out);
  }

  onData(chunk: Buffer): boolean {
    if (this.#failingOver || this.#clientGone) return true;
    this.capture?.add(chunk);
    if (chunk.length === this.#length) {
      // The whole declared body in one chunk (the common small answer): head and body leave in one write.
      this.#ended = true;
      this.res.end(chunk);
      return true;
    }
    if (this.res.write(chunk)) return true;
    // made on the first full socket only: a per-instance arrow field cost every request a closure (and, under tsx's
    // keepNames, an Object.defineProperty for its name)
    this.res.onceDrain(this.#onDrain ??= () => { this.exchange?.resume(); });
    return false;
  }

  #onDrain: (() => void) | undefined;

  onComplete(): void {
    if (this.#failingOver || this.#clientGone) return;
    if (!this.#ended) this.res.end();
    this.#finish(this.status);
  }

  onError(err: UpstreamError): void {
    if (this.#failingOver || this.#clientGone) return;
    // a head held for the first body bytes is not on the wire yet: take it back, an honest status can still be given
    if (this.hooks.failover && this.res.retract()) {
      this.#failingOver = true;
      this.hooks.failover(err.isTimeout ? 'timeout' : 'error', err);
      return;
    }
    this.#answerError(err);
  }

  #answerError(err: Error): void {
    if (this.res.headersSent && !this.res.retract()) {
      // Headers already sent: the only honest signal left is cutting the connection.
      this.res.destroy();
      this.#finish(0, err);
      return;
    }
    if (err instanceof BodyTooLargeError) {
      this.res.sendText(413, `${err.message}\n`); // closes: the rest of the body is unread
      this.#finish(413, err);
      return;
    }
    const status = err instanceof UpstreamError && err.isTimeout ? 504 : 502;
    this.res.sendText(status, status === 504 ? 'upstream timed out\n' : 'upstream unavailable\n', true);
    this.#finish(status, err);
  }

  #finish(status: number, err?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.hooks.done(status, err);
  }
}
