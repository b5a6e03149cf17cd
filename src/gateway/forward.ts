import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { BodyTooLargeError } from './body-tap.js';
import type { BodyCapture } from './capture.js';
import type { FallbackReason } from './gateway-metrics.js';
import { clientResponseHeaders } from './headers.js';

export interface PrimaryHooks {
  /** Once, when the user's answer is complete or failed. `status` is what the client got (0: connection cut). */
  done(status: number, error?: Error): void;
  /**
   * When set (next-routed idempotent requests), a failure before any byte was sent to the client — connection error,
   * timeout or 5xx status — is handed here instead of being answered: the caller answers from legacy.
   */
  failover?(reason: FallbackReason, error?: Error): void;
}

/** The Content-Length of raw response headers (-1 when absent or not a plain number). */
function contentLength(raw: readonly Buffer[]): number {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && (name[0]! | 0x20) === 0x63 /* c */ && name.toString('latin1').toLowerCase() === 'content-length') {
      const v = raw[i + 1]!.toString('latin1').trim();
      return /^\d+$/.test(v) ? Number(v) : -1;
    }
  }
  return -1;
}

export function isTimeout(err: Error): boolean {
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/**
 * undici dispatch handler (the raw-header callback API, undici's fastest) streaming the upstream answer to the
 * client with backpressure both ways: a full client socket pauses the upstream read (`onData` returns false, then
 * `resume` on drain). Nothing is buffered except the optional bounded capture for the mirror's exchange.
 */
export class PrimaryHandler implements Dispatcher.DispatchHandler {
  #abort: ((err?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #clientGone = false;
  #failingOver = false;
  #finished = false;
  /** Declared Content-Length of the answer (-1: none), and whether the client's answer was ended from onData. */
  #length = -1;
  #ended = false;
  status = 0;
  rawHeaders: Buffer[] | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly hooks: PrimaryHooks,
    private readonly capture?: BodyCapture,
  ) {}

  /** The client left: abort the upstream request, even if it is still queued in the pool (else the pool stalls). */
  clientGone(): void {
    this.#clientGone = true;
    this.#abort?.(new Error('client closed the connection'));
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.#clientGone) { abort(new Error('client closed the connection')); return; }
    this.#abort = abort;
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (status < 200) return true; // 1xx informational: Node answered 100-continue to the client itself
    if (this.hooks.failover && status >= 500) {
      // Let the failed body drain into nothing (keeps the connection reusable) while legacy answers.
      this.#failingOver = true;
      this.hooks.failover('status');
      return true;
    }
    this.status = status;
    this.#resume = resume;
    if (this.capture) this.rawHeaders = raw;
    if (this.#clientGone) return false;
    this.#length = contentLength(raw);
    this.res.writeHead(status, statusText, clientResponseHeaders(raw));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#failingOver) return true;
    this.capture?.add(chunk);
    if (chunk.length === this.#length) {
      // The whole declared body in one chunk (the common small answer): one end() writes headers and body together
      // instead of write() then end().
      this.#ended = true;
      this.res.end(chunk);
      return true;
    }
    if (this.res.write(chunk)) return true;
    // created on the first backpressure only: most answers never need it
    this.#onDrain ??= () => { this.#resume?.(); };
    this.res.once('drain', this.#onDrain);
    return false;
  }

  #onDrain: (() => void) | undefined;

  onComplete(): void {
    if (this.#failingOver) return;
    if (!this.#ended) this.res.end();
    this.#finish(this.status);
  }

  onError(err: Error): void {
    if (this.#failingOver) return;
    if (this.#clientGone) { this.#finish(0, err); return; }
    if (!this.res.headersSent) {
      if (err instanceof BodyTooLargeError) {
        const text = `${err.message}\n`;
        this.res.shouldKeepAlive = false; // the rest of the body is unread
        this.res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        this.res.end(text);
        this.#finish(413, err);
        return;
      }
      if (this.hooks.failover) { this.#failingOver = true; this.hooks.failover(isTimeout(err) ? 'timeout' : 'error', err); return; }
      const status = isTimeout(err) ? 504 : 502;
      const body = status === 504 ? 'upstream timed out\n' : 'upstream unavailable\n';
      this.res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      this.res.end(body);
      this.#finish(status, err);
      return;
    }
    // Headers already sent: the only honest signal left is cutting the connection.
    this.res.destroy(err);
    this.#finish(0, err);
  }

  #finish(status: number, err?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.hooks.done(status, err);
  }
}
