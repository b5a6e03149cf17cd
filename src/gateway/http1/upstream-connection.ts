import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { UpstreamError, type UpstreamFailure } from '../errors.js';
import { createParser, type Http1Parser } from './llhttp.js';
import { PENDING_LIMIT, requestHead, type ExchangeConnection, type UpstreamExchange } from './upstream-exchange.js';

export interface UpstreamTarget {
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Host header when the client sent none. */
  readonly hostHeader: string;
  readonly maxHeaderSize: number;
}

/**
 * One read buffer for every plain upstream socket of the process (`onread`). A read is parsed before its callback
 * returns, and llhttp hands over copies (body chunks) and strings (head), saving what a split head needs between
 * reads: no byte of it is kept. Node's default read path allocates 64 KB per read and reallocates it to the bytes
 * read, wraps it in an ArrayBuffer, and pushes it through the Readable stream layer to a 'data' listener.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** What a connection tells its pool. */
export interface ConnectionOwner {
  connected(c: UpstreamConnection): void;
  /** The exchange finished and the connection may carry another one. */
  released(c: UpstreamConnection): void;
  /** The connection is gone (closed, failed, abandoned). */
  gone(c: UpstreamConnection): void;
  /** A reused connection failed before any answer: the pool retries the exchange once on a fresh one. */
  retry(ex: UpstreamExchange): void;
}

/**
 * One keep-alive connection to an upstream, carrying one exchange at a time (no pipelining, as undici's default).
 * The response is parsed by llhttp; head and body are handed to the exchange's handler as they arrive, with reading
 * paused while the handler's consumer (the client socket) is full.
 */
export class UpstreamConnection implements ExchangeConnection {
  readonly socket: Socket;
  readonly #parser: Http1Parser;
  readonly connectStartedAt = performance.now();
  isConnected = false;
  /** Exchanges carried so far: a failure on a reused connection before any answer is probably a stale keep-alive. */
  served = 0;
  idleSince = 0;
  /** How long it may sit idle, from the upstream's `Keep-Alive: timeout=N` hint (Infinity: no hint, the pool's idleMs). */
  keepAliveMs = Infinity;
  ex: UpstreamExchange | undefined;
  /** Why it died before carrying anything (connect refused, connect timeout): the pool fails a waiting request with it. */
  lastError: UpstreamError | undefined;
  #keepAlive = true;
  #informational = false;
  #dead = false;
  #drainWaiting = false;
  /** The answer completed during this read: back to the pool once the read is fully parsed. */
  #releaseAfterRead = false;

  constructor(readonly target: UpstreamTarget, private readonly owner: ConnectionOwner) {
    const opts = { host: target.host, port: target.port, noDelay: true };
    // TLS sockets take no `onread`: they read through 'data'
    this.socket = target.tls ? tlsConnect({ ...opts, servername: target.host, ALPNProtocols: ['http/1.1'] })
      : netConnect({ ...opts, onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => { this.#onData((buf as Buffer).subarray(0, n)); return true; } } });
    this.#parser = createParser('response', target.maxHeaderSize, this);
    this.socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      this.isConnected = true;
      this.owner.connected(this);
    });
    if (target.tls) this.socket.on('data', (d: Buffer) => this.#onData(d));
    this.socket.on('end', () => {
      // close-delimited bodies end here; anything else in progress is a reset
      const err = this.#parser.finish();
      if (err) this.fail('protocol', `bad response from upstream: ${err.reason ?? err.code}`);
      this.#close('reset', 'upstream closed the connection');
    });
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      this.#close(this.isConnected ? 'reset' : 'connect', `${this.isConnected ? 'connection lost' : 'cannot connect'}: ${e.code ?? e.message}`, e);
    });
    this.socket.on('close', () => this.#close('reset', 'upstream closed the connection'));
  }

  /** Sends an exchange on this (idle, connected) connection. */
  assign(ex: UpstreamExchange): void {
    this.ex = ex;
    ex.conn = this;
    ex.state = 'sent';
    ex.sentAt = ex.lastByteAt = performance.now();
    this.#keepAlive = true;
    this.served++;
    const head = requestHead(ex.request, this.target.hostHeader);
    const pending = ex.pending;
    ex.pending = undefined;
    if (!pending && (ex.bodyEnded && ex.request.body.kind !== 'chunked')) { this.socket.write(head, 'latin1'); return; }
    this.socket.cork();
    this.socket.write(head, 'latin1');
    if (pending) for (const c of pending) this.writeBody(c);
    if (ex.bodyEnded) this.endBody();
    this.socket.uncork();
    // The client was paused while the body piled up in the queue: it resumes once the socket took that backlog.
    if (ex.pendingBytes >= PENDING_LIMIT && !ex.bodyEnded && !this.#drainWaiting) ex.onDrain?.();
  }

  /** Writes a body chunk; false when the socket is full, and the exchange's `onDrain` then runs once it drains. */
  writeBody(chunk: Buffer): boolean {
    let ok: boolean;
    if (this.ex?.request.body.kind !== 'chunked') ok = this.socket.write(chunk);
    else {
      this.socket.cork();
      this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      this.socket.write(chunk);
      ok = this.socket.write('\r\n', 'latin1');
      this.socket.uncork();
    }
    // Whatever the framing, a full socket must resume the client later (one listener however many refusals).
    if (!ok && !this.#drainWaiting) {
      this.#drainWaiting = true;
      this.socket.once('drain', () => { this.#drainWaiting = false; this.ex?.onDrain?.(); });
    }
    return ok;
  }

  endBody(): void {
    const ex = this.ex;
    if (!ex) return;
    if (ex.request.body.kind === 'chunked') this.socket.write('0\r\n\r\n', 'latin1');
    // the headers timeout runs from here: an upload in progress is the client's time (clientRequestMs), not the
    // upstream's (undici's headersTimeout likewise waits for the request to be sent)
    ex.sentAt = performance.now();
  }

  abandon(): void {
    this.ex = undefined;
    this.#destroy();
  }

  resumeReading(): void { this.socket.resume(); }

  /** Fails the current exchange (timeouts from the pool's sweep, protocol errors) and drops the connection. */
  fail(kind: UpstreamFailure, message: string, cause?: Error): void {
    const ex = this.ex;
    this.ex = undefined;
    this.#destroy();
    if (ex && ex.state !== 'done') {
      ex.state = 'done';
      ex.handler.onError(new UpstreamError(kind, this.target.origin, message, cause));
    }
  }

  close(): void { this.#destroy(); }

  // ── parser events ──────────────────────────────────────────────────────────────────────────────────────────────
  onMessageBegin(): void {
    // A message starting with no exchange waiting for it: the upstream sent an answer nobody asked for (glued to the
    // previous one). Its bytes must never reach the next request on this connection: drop the connection.
    if (!this.ex) this.#destroy();
  }

  onHeadersComplete(_major: number, _minor: number, headers: string[], _m: string, _u: string, status: number, statusText: string,
    upgrade: boolean, keepAlive: boolean): number {
    const ex = this.ex;
    if (!ex) return 0;
    if (status < 200 && status !== 101) { this.#informational = true; return 0; } // 100/103: the final head follows
    if (upgrade || status === 101) { this.fail('protocol', `upstream switched protocols (${status}) on a plain request`); return 0; }
    this.#keepAlive = keepAlive;
    if (keepAlive) this.#readKeepAliveHint(headers);
    ex.state = 'receiving';
    ex.handler.onHeaders(status, statusText, headers);
    return ex.skipsBody ? 1 : 0;
  }

  onBody(chunk: Buffer): void {
    const ex = this.ex;
    if (!ex || ex.state === 'done') return;
    if (!ex.handler.onData(chunk) && !ex.paused && this.ex === ex) {
      ex.paused = true;
      this.socket.pause();
    }
  }

  onMessageComplete(): void {
    if (this.#informational) { this.#informational = false; return; }
    const ex = this.ex;
    if (!ex) return;
    this.ex = undefined;
    ex.state = 'done';
    ex.conn = undefined;
    // Reusable only if the upstream keeps it and our request went out whole: an answer given before the request
    // body ended leaves the upstream expecting body bytes, and the next request's head would be read as such.
    // Handed back to the pool after the parser has seen the rest of this read (see #onData), never from inside it.
    if (this.#keepAlive && !this.#dead && ex.bodyEnded) this.#releaseAfterRead = true;
    else this.#destroy();
    ex.handler.onComplete();
  }

  /**
   * The upstream closes idle connections after N seconds (`Keep-Alive: timeout=N`; Node servers send it): stop reusing
   * ours half a second before, as undici does with its threshold. Otherwise a request sent just as the upstream
   * closes is lost — a GET is retried, but a POST can only get 502.
   */
  #readKeepAliveHint(headers: string[]): void {
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
      const m = /timeout\s*=\s*(\d+)/i.exec(headers[i + 1]!);
      if (m) this.keepAliveMs = Math.max(0, Number(m[1]) * 1000 - 500);
      return;
    }
  }

  #onData(d: Buffer): void {
    const ex = this.ex;
    if (!ex) { this.#close('reset', 'upstream sent bytes nobody asked for'); return; }
    ex.answered = true;
    ex.lastByteAt = performance.now();
    const r = this.#parser.execute(d);
    if (typeof r !== 'number') this.fail('protocol', `bad response from upstream: ${r.reason ?? r.code}`);
    if (!this.#releaseAfterRead) return;
    this.#releaseAfterRead = false;
    if (this.#dead) return; // more bytes followed the answer
    this.idleSince = performance.now();
    this.owner.released(this);
  }

  #close(kind: UpstreamFailure, message: string, cause?: Error): void {
    const ex = this.ex;
    this.ex = undefined;
    if (!ex) this.lastError ??= new UpstreamError(kind, this.target.origin, message, cause);
    this.#destroy();
    if (!ex || ex.state === 'done') return;
    if (!ex.answered && ex.retryable && !ex.retried && this.served > 1 && kind === 'reset') {
      // the upstream closed a kept-alive connection as we reused it: the request never reached it, send it again
      ex.retried = true;
      ex.conn = undefined;
      ex.state = 'queued';
      this.owner.retry(ex);
      return;
    }
    ex.state = 'done';
    ex.handler.onError(new UpstreamError(kind, this.target.origin, message, cause));
  }

  #destroy(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.socket.destroy();
    // never free the native parser from inside one of its own callbacks
    setImmediate(() => this.#parser.close());
    this.owner.gone(this);
  }
}
