import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** What the response needs from its connection. */
export interface ResponseConnection {
  readonly socket: Socket;
  /** The gateway is shutting down: answers carry `connection: close`. */
  readonly closing: boolean;
  /** The request this answers has body bytes not read yet (an early answer): the connection will close after it. */
  bodyUnread(res: GatewayResponse): boolean;
  finished(res: GatewayResponse, keepAlive: boolean): void;
  /** A write did not go out whole: the client is not reading (the server's send timeout starts). */
  writeBlocked(): void;
}

type Framing = 'length' | 'chunked' | 'close' | 'none';

/** The answer to one client request as the proxy writes it (GatewayResponse; the fallback front end's in fallback/). */
export interface ClientResponse {
  readonly headersSent: boolean;
  /** Set false when the connection can not carry another request. */
  shouldKeepAlive: boolean;
  readonly onWire: boolean;
  readonly finished: boolean;
  writeHead(status: number, statusText: string | undefined, headers: readonly string[]): void;
  retract(): boolean;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer): void;
  sendText(status: number, text: string, keepAlive?: boolean): void;
  destroy(): void;
  onceDrain(cb: () => void): void;
  onClose(cb: () => void): void;
}


/**
 * The answer to one client request, written straight to the socket. The head is held until the first body bytes so
 * that head and a small body leave in one write (one syscall — the largest single cost per request on loopback).
 * Framing towards the client is chosen here: the upstream's Content-Length when it gave one, chunked for HTTP/1.1
 * otherwise, close-delimited for HTTP/1.0; HEAD, 204 and 304 answers carry no body.
 */
export class GatewayResponse implements ClientResponse {
  headersSent = false;
  /** Set false when the connection can not carry another request (unread body, protocol doubt). */
  shouldKeepAlive = true;
  #head: string | undefined;
  #framing: Framing = 'none';
  #keepAlive = false;
  #done = false;
  #closed = false;
  #onClose: (() => void) | undefined;

  constructor(
    private readonly conn: ResponseConnection,
    readonly method: string,
    readonly httpMinor: number,
    private readonly clientKeepAlive: boolean,
  ) {}

  /** Some of the answer is on the wire (the head is held until the first body bytes or the end). */
  get onWire(): boolean { return this.headersSent && this.#head === undefined; }

  /** The whole answer went out (finished) — `node:http`'s writableFinished. */
  get finished(): boolean { return this.#done; }

  /** `headers`: end-to-end headers only (the caller removed hop-by-hop ones, Transfer-Encoding included). */
  writeHead(status: number, statusText: string | undefined, headers: readonly string[]): void {
    if (this.headersSent) return;
    this.headersSent = true;
    let head = `HTTP/1.1 ${status} ${statusText || STATUS_CODES[status] || 'Unknown'}\r\n`;
    let hasLength = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
      head += `${name}: ${headers[i + 1]}\r\n`;
    }
    const bodiless = this.method === 'HEAD' || status === 204 || status === 304 || status < 200;
    this.#framing = bodiless ? 'none' : hasLength ? 'length' : this.httpMinor >= 1 ? 'chunked' : 'close';
    this.#keepAlive = this.clientKeepAlive && this.shouldKeepAlive && !this.conn.closing && this.#framing !== 'close'
      && !this.conn.bodyUnread(this);
    if (this.#framing === 'chunked') head += 'transfer-encoding: chunked\r\n';
    if (!this.#keepAlive) head += 'connection: close\r\n';
    else if (this.httpMinor === 0) head += 'connection: keep-alive\r\n';
    this.#head = head + '\r\n';
  }

  /**
   * Takes back a head not yet on the wire (held for the first body bytes): the upstream broke before any byte of the
   * answer left, so an honest status (502) can still be given. False when bytes are already out.
   */
  retract(): boolean {
    if (this.onWire || this.#done || this.#closed) return false;
    this.headersSent = false;
    this.#head = undefined;
    this.#framing = 'none';
    return true;
  }

  /** A body chunk; false when the client socket is full (wait for `onceDrain`). */
  write(chunk: Buffer): boolean {
    if (this.#write(chunk)) return true;
    this.conn.writeBlocked();
    return false;
  }

  #write(chunk: Buffer): boolean {
    if (this.#done || this.#closed) return true;
    if (chunk.length === 0) return true;
    if (this.#framing === 'none') return this.#flushHead();
    const socket = this.conn.socket;
    if (this.#framing === 'chunked') {
      const prefix = `${this.#takeHead()}${chunk.length.toString(16)}\r\n`;
      socket.cork();
      socket.write(prefix, 'latin1');
      socket.write(chunk);
      const ok = socket.write('\r\n', 'latin1');
      socket.uncork();
      return ok;
    }
    const head = this.#takeHead();
    if (!head) return socket.write(chunk);
    // head and body in one buffer: one write(2) instead of two
    const buf = Buffer.allocUnsafe(head.length + chunk.length);
    buf.write(head, 0, 'latin1');
    chunk.copy(buf, head.length);
    return socket.write(buf);
  }

  /** Ends the answer (with a last chunk, optionally). */
  end(chunk?: Buffer): void {
    if (this.#done || this.#closed) return;
    if (!this.headersSent) this.writeHead(200, 'OK', ['content-length', String(chunk?.length ?? 0)]);
    const socket = this.conn.socket;
    if (this.#framing === 'chunked') {
      socket.cork();
      if (chunk && chunk.length > 0) this.write(chunk);
      socket.write(`${this.#takeHead()}0\r\n\r\n`, 'latin1');
      socket.uncork();
    } else if (chunk && chunk.length > 0) this.write(chunk);
    else this.#flushHead();
    this.#done = true;
    this.conn.finished(this, this.#keepAlive && this.shouldKeepAlive);
  }

  /** Answers a small text body (the gateway's own errors). */
  sendText(status: number, text: string, keepAlive = false): void {
    if (!keepAlive) this.shouldKeepAlive = false;
    const body = Buffer.from(text);
    this.writeHead(status, undefined, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)]);
    this.end(body);
  }

  /** Cuts the connection (headers already sent, so no honest status is left to give). */
  destroy(): void {
    if (this.#closed) return;
    this.conn.socket.destroy();
  }

  onceDrain(cb: () => void): void { this.conn.socket.once('drain', cb); }

  /** `cb` runs once, when the answer is finished or the connection is gone, whichever comes first. */
  onClose(cb: () => void): void { this.#onClose = cb; }

  /** From the connection: this response is over (sent, or the socket closed under it). */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.();
  }

  #takeHead(): string {
    const h = this.#head;
    if (h === undefined) return '';
    this.#head = undefined;
    return h;
  }

  #flushHead(): boolean {
    const h = this.#takeHead();
    return h ? this.conn.socket.write(h, 'latin1') : true;
  }
}
