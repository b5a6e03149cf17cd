import { PassThrough } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { UpstreamError, type UpstreamFailure } from '../errors.js';
import type {
  ExchangeHandle, UpstreamHandler, UpstreamPoolLike, UpstreamRequest,
} from '../http1/upstream-exchange.js';
import type { UpstreamPoolOptions } from '../http1/upstream-pool.js';

/** undici's error codes → why the exchange failed (the 502/504 choice and the fallback reason depend on it). */
function failure(err: Error & { code?: string }): UpstreamFailure {
  switch (err.code) {
    case 'UND_ERR_CONNECT_TIMEOUT': return 'connect-timeout';
    case 'UND_ERR_HEADERS_TIMEOUT': return 'headers-timeout';
    case 'UND_ERR_BODY_TIMEOUT': return 'body-timeout';
    case 'ECONNREFUSED': case 'ENOTFOUND': case 'EHOSTUNREACH': return 'connect';
    case 'UND_ERR_ABORTED': return 'aborted';
    case 'UND_ERR_DESTROYED': case 'UND_ERR_CLOSED': return 'closed';
    case 'HPE_INVALID_CONSTANT': case 'HPE_INVALID_CHUNK_SIZE': case 'UND_ERR_INFO': return 'protocol';
    default: return err.code?.startsWith('HPE_') ? 'protocol' : 'reset';
  }
}

/** One request through undici: the body streams through a PassThrough with backpressure both ways. */
class UndiciExchange implements ExchangeHandle {
  onDrain: (() => void) | undefined;
  readonly body: PassThrough | undefined;
  #abort: ((reason?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #done = false;

  constructor(hasBody: boolean) {
    this.body = hasBody ? new PassThrough({ highWaterMark: 64 * 1024 }) : undefined;
    this.body?.on('drain', () => this.onDrain?.());
    this.body?.on('error', () => { /* the request failed: the handler hears it from undici */ });
  }

  write(chunk: Buffer): boolean { return this.#done || !this.body ? true : this.body.write(chunk); }
  end(): void { if (!this.#done) this.body?.end(); }
  resume(): void { this.#resume?.(); }

  abort(): void {
    if (this.#done) return;
    this.#done = true;
    this.body?.destroy();
    this.#abort?.(new Error('aborted by the gateway'));
  }

  handler(origin: string, h: UpstreamHandler): Dispatcher.DispatchHandler {
    return {
      onConnect: (abort) => { this.#abort = abort; if (this.#done) abort(new Error('aborted by the gateway')); },
      onHeaders: (status, raw, resume, statusText) => {
        if (this.#done) return false;
        this.#resume = resume;
        const headers = (raw as unknown as Buffer[]).map((b) => b.toString('latin1'));
        h.onHeaders(status, statusText, headers);
        return true;
      },
      onData: (chunk) => (this.#done ? true : h.onData(chunk)),
      onComplete: () => { if (this.#done) return; this.#done = true; h.onComplete(); },
      onError: (err) => {
        if (this.#done) return;
        this.#done = true;
        this.body?.destroy();
        h.onError(new UpstreamError(failure(err as Error & { code?: string }), origin, err.message, err));
      },
    };
  }
}

/**
 * The fallback's upstream pool: undici (its own llhttp, compiled to WebAssembly) when Node's llhttp binding is not
 * usable. Same limits and timeouts as `UpstreamPool`; no per-client share (undici queues FIFO).
 */
export class UndiciPool implements UpstreamPoolLike {
  readonly #pool: Pool;

  constructor(readonly origin: string, options: UpstreamPoolOptions) {
    this.#pool = new Pool(origin, {
      connections: options.connections, headersTimeout: options.headersTimeoutMs, bodyTimeout: options.bodyTimeoutMs,
      connectTimeout: options.connectTimeoutMs, keepAliveTimeout: options.idleMs, maxHeaderSize: options.maxHeaderSize,
    });
  }

  request(req: UpstreamRequest, handler: UpstreamHandler): ExchangeHandle {
    const ex = new UndiciExchange(req.body.kind !== 'none');
    const headers = req.body.kind === 'length' ? [...req.headers, 'content-length', String(req.body.length)] : [...req.headers];
    this.#pool.dispatch({ path: req.path, method: req.method as Dispatcher.HttpMethod, headers, body: ex.body ?? null },
      ex.handler(this.origin, handler));
    return ex;
  }

  close(): void { void this.#pool.close().catch(() => { /* destroyed meanwhile */ }); }
  destroy(): void { void this.#pool.destroy().catch(() => { /* already */ }); }
}
