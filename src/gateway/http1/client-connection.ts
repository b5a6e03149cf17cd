import type { Socket } from 'node:net';
import { SiphonError } from '../../errors.js';
import { GatewayRequest, type RequestConnection } from './gateway-request.js';
import { GatewayResponse, type ClientResponse, type ResponseConnection } from './gateway-response.js';
import { HEAD_CONTINUES, HEAD_TOO_LARGE, HeadGuard } from './head-guard.js';
import { createParser, type Http1Parser, type ParseError } from './llhttp.js';

export type RequestListener = (req: GatewayRequest, res: ClientResponse) => void;

/** What a connection needs from its server. */
export interface ConnectionServer {
  readonly maxHeaderSize: number;
  readonly maxHeaderCount: number;
  readonly closing: boolean;
  readonly listener: RequestListener;
  /** Requests refused at the protocol level (bad framing, oversized head), by llhttp code: for metrics. */
  clientError(code: string): void;
  connectionClosed(c: ClientConnection): void;
}

/** The client left or broke the protocol while a request was in flight. */
export class ClientGoneError extends SiphonError {
  constructor(why: string) { super('GATEWAY_CLIENT_GONE', why); }
}

interface Pending { req: GatewayRequest; res: GatewayResponse; expectsContinue: boolean }

/** Pipelined requests parsed ahead of their turn beyond this pause reading from the client. */
const MAX_PIPELINED = 16;

/**
 * One client connection: llhttp parses requests off the socket; each goes to the listener in order. A pipelined
 * request (sent before the previous answer ended) waits for its turn, so answers leave in request order.
 * Timestamps (not timers) drive the header, request and idle timeouts: the server sweeps its connections.
 */
export class ClientConnection implements RequestConnection, ResponseConnection {
  readonly #parser: Http1Parser;
  /** The exchange being answered, the one whose body is being read (often the same), and those waiting. */
  #active: Pending | undefined;
  #reading: GatewayRequest | undefined;
  readonly #waiting: Pending[] = [];
  /** performance.now() of the current request's first byte (-1: between requests), and of the last answer's end. */
  requestStartedAt = -1;
  headersDone = false;
  idleSince = performance.now();
  /** While a body is read: when it started, its last byte, its bytes so far (the sweep's inactivity and rate checks). */
  bodyStartedAt = -1;
  lastBodyAt = 0;
  bodyBytes = 0;
  /** Since when an answer waits for the client to read (-1: it does not): the sweep's send timeout. */
  writeStalledSince = -1;
  readonly #guard: HeadGuard;
  /** A body is being read; its bytes still to come when framed by a length (-1: chunked). */
  #inBody = false;
  #bodyLeft = -1;
  #pausedAt = -1;
  #paused = false;
  #dead = false;
  #released = false;
  /** The peer's address, read once (the socket's getter goes through getpeername's cache on every request). */
  #remoteAddress: string | undefined;

  constructor(readonly socket: Socket, private readonly server: ConnectionServer) {
    this.#parser = createParser('request', server.maxHeaderSize, this);
    this.#guard = new HeadGuard(server.maxHeaderSize, server.maxHeaderCount);
    // the answer's bytes were taken by the kernel: the client reads
    socket.on('drain', () => { this.writeStalledSince = -1; });
    socket.on('end', () => {
      // A client that half-closes has given up on its answers (as `node:http` treats it): abort what is in flight.
      this.#parser.finish();
      this.#closed();
      socket.end();
    });
    socket.on('error', () => { /* 'close' follows */ });
    socket.on('close', () => this.#closed());
  }

  get closing(): boolean { return this.server.closing; }
  bodyUnread(res: GatewayResponse): boolean { return this.#active?.res === res && !this.#active.req.complete; }
  get busy(): boolean { return this.#active !== undefined || this.requestStartedAt >= 0; }

  /** A body is being read and the gateway is not the one holding it back (the sweep's inactivity and rate checks). */
  get readingBody(): boolean { return this.#inBody && !this.#paused && !this.#dead; }

  pauseReading(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#pausedAt = performance.now();
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.#paused || this.#waiting.length >= MAX_PIPELINED) return;
    this.#unpause();
    this.socket.resume();
  }

  /** An answer could not be written whole: the client is not reading (fast enough). */
  writeBlocked(): void { if (this.writeStalledSince < 0) this.writeStalledSince = performance.now(); }

  #unpause(): void {
    this.#paused = false;
    // time spent paused by the gateway (upstream backpressure, pipelining) is not the client's silence
    const held = performance.now() - this.#pausedAt;
    this.lastBodyAt += held;
    this.bodyStartedAt += held;
  }

  /**
   * Feeds the parser: head bytes only through the guard (size and line limits checked before llhttp parses them),
   * a length-framed body exactly to its end, so the next head is guarded again. Bytes after a refusal are read and
   * dropped unparsed: nothing after a refusal is forwarded, and a flood costs no parsing.
   */
  feed(d: Buffer): void {
    let off = 0;
    while (off < d.length && !this.#dead) {
      let n: number;
      if (this.#inBody) {
        // a chunked body's end is llhttp's to find: a head pipelined behind it in the same slice is parsed unguarded
        // (llhttp's own size count and the header-count check below still apply), so slices stay small
        n = Math.min(d.length - off, this.#bodyLeft >= 0 ? this.#bodyLeft : this.server.maxHeaderSize);
      } else {
        // a request's first byte (llhttp's message-begin callback would say the same, at one more JS entry per request)
        if (this.requestStartedAt < 0) { this.requestStartedAt = performance.now(); this.headersDone = false; }
        const r = this.#guard.scan(d, off);
        if (r === HEAD_TOO_LARGE) {
          this.server.clientError('HPE_HEADER_OVERFLOW');
          this.refuse(431, 'Request Header Fields Too Large');
          return;
        }
        if (r === HEAD_CONTINUES) n = d.length - off;
        else { n = r; this.#guard.reset(); }
      }
      const r = this.#parser.execute(n === d.length ? d : d.subarray(off, off + n));
      if (typeof r !== 'number') { this.#parseError(r); return; }
      off += n;
    }
  }

  /** Closes the connection if it is between requests (shutdown, idle timeout). */
  closeIfIdle(): boolean {
    if (this.busy) return false;
    this.socket.destroy();
    return true;
  }

  /** Answers a request that could not be read (timeout, bad framing) and closes; cuts it if an answer is under way. */
  refuse(status: number, text: string): void {
    const active = this.#active;
    // once answer bytes are on the wire, cutting the connection is the only honest signal left
    if (this.#dead || active?.res.onWire) { this.socket.destroy(); return; }
    this.#dead = true;
    if (active) {
      // the request being answered is the one that broke (or timed out): drop its upstream exchange, answer the refusal
      this.#active = undefined;
      active.res.closed();
    }
    const body = `${text}\n`;
    this.socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n` +
      `content-length: ${body.length}\r\n\r\n${body}`);
  }

  // ── parser events ──────────────────────────────────────────────────────────────────────────────────────────────
  onHeadersComplete(major: number, minor: number, headers: string[], method: string, url: string, _s: number, _t: string,
    upgrade: boolean, keepAlive: boolean): number {
    this.headersDone = true;
    this.#startBody(headers);
    if (this.#dead) {
      // refused or closing (408, 400…): bytes still arriving are read (so the refusal is not lost to a reset) but
      // nothing after a refusal is ever forwarded
      this.#reading = undefined;
      return 0;
    }
    if (major !== 1) {
      // HTTP/2.0 or HTTP/0.9 in an HTTP/1 request line: forwarding it as HTTP/1.1 would change what the client meant
      this.server.clientError('bad_version');
      this.refuse(505, 'HTTP Version Not Supported');
      return 0;
    }
    if (headers.length > this.server.maxHeaderCount * 2) {
      // the guard counts lines before parsing; this catches a head pipelined behind a chunked body (see feed)
      this.server.clientError('HPE_HEADER_OVERFLOW');
      this.refuse(431, 'Request Header Fields Too Large');
      return 0;
    }
    if (upgrade || method === 'CONNECT') {
      // protocol switches (WebSocket) and tunnels are not proxied: say so instead of dropping the socket
      this.server.clientError('upgrade');
      this.refuse(501, 'Not Implemented');
      return 0;
    }
    const req = new GatewayRequest(method, url, headers, minor, keepAlive, this.#remoteAddress ??= this.socket.remoteAddress ?? 'unknown', this);
    const host = req.headers.host;
    if (host === undefined ? minor >= 1 : host.includes(',')) {
      // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host (as `node:http` answered) and for more than one Host
      // (routing, X-Forwarded-Host and the upstream could each pick a different one)
      this.server.clientError('bad_host');
      this.refuse(400, 'Bad Request');
      return 0;
    }
    if (req.chunked && req.headers['transfer-encoding']!.trim().toLowerCase() !== 'chunked') {
      // a transfer coding besides chunked (gzip, chunked): forwarding the decoded chunks would hand the upstream
      // coded bytes as if plain; RFC 9112 §6.1 says 501 for codings the server does not implement
      this.server.clientError('transfer_coding');
      this.refuse(501, 'Not Implemented');
      return 0;
    }
    const res = new GatewayResponse(this, method, minor, keepAlive);
    this.#reading = req;
    const p = { req, res, expectsContinue: minor >= 1 && req.headers.expect?.toLowerCase() === '100-continue' };
    if (this.#active) {
      this.#waiting.push(p);
      // its body would pile up unread until its turn: stop reading (at most one read is held)
      if (req.hasBody || this.#waiting.length >= MAX_PIPELINED) this.pauseReading();
    } else this.#start(p);
    return 0;
  }

  onBody(chunk: Buffer): void {
    this.bodyBytes += chunk.length;
    if (this.#bodyLeft > 0) this.#bodyLeft -= chunk.length;
    this.lastBodyAt = performance.now();
    this.#reading?.pushBody(chunk);
  }

  onMessageComplete(): void {
    const req = this.#reading;
    this.#reading = undefined;
    this.requestStartedAt = -1;
    this.#inBody = false;
    this.bodyStartedAt = -1;
    req?.endBody();
  }

  /** The body's framing from the head (llhttp already refused conflicting or malformed framing headers). */
  #startBody(headers: string[]): void {
    let length = 0;
    let chunked = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 14 && name.toLowerCase() === 'content-length') length = Number(headers[i + 1]);
      else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') chunked = true;
    }
    this.#inBody = chunked || length > 0;
    this.#bodyLeft = chunked ? -1 : length;
    this.bodyBytes = 0;
    this.bodyStartedAt = this.lastBodyAt = performance.now();
  }

  // ── from responses ─────────────────────────────────────────────────────────────────────────────────────────────
  finished(res: GatewayResponse, keepAlive: boolean): void {
    const p = this.#active;
    if (!p || p.res !== res) return;
    this.#active = undefined;
    this.idleSince = performance.now();
    // a body still unread (413, early answer) makes the byte stream unusable for another request
    const reusable = keepAlive && p.req.complete && !this.#dead;
    res.closed();
    if (!reusable) {
      this.#dead = true;
      this.socket.end();
      return;
    }
    // resume first: the next request's body sink may pause again, synchronously, and must have the last word
    if (this.#paused) { this.#unpause(); this.socket.resume(); }
    const next = this.#waiting.shift();
    if (next) this.#start(next);
  }

  #start(p: Pending): void {
    this.#active = p;
    try {
      this.server.listener(p.req, p.res);
    } catch (e) {
      // a bug in the listener must cost one request, not the process
      if (!p.res.headersSent) p.res.sendText(500, `gateway error: ${(e as Error).message}`);
      else p.res.destroy();
    }
    // 100 Continue only once the request's turn has come (earlier, it would land inside the previous answer), and
    // not when the listener already answered (a refusal, e.g. 413: the client then need not send the body at all)
    if (p.expectsContinue && this.#active === p && !p.req.complete && !p.res.headersSent) {
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    }
  }

  #parseError(err: ParseError): void {
    this.server.clientError(err.code);
    // bytes after a request that announced `Connection: close`: the answer is on its way, the rest is ignored
    if (err.code === 'HPE_CLOSED_CONNECTION') {
      // ...and those bytes are no request: `feed` stamped them as one, which would start the header timer and cut
      // the answer still under way with a 408
      this.requestStartedAt = -1;
      this.pauseReading();
      return;
    }
    this.#reading?.abortBody(new ClientGoneError(`bad request framing: ${err.reason ?? err.code}`));
    if (err.code === 'HPE_HEADER_OVERFLOW') this.refuse(431, 'Request Header Fields Too Large');
    else this.refuse(400, 'Bad Request');
  }

  #closed(): void {
    if (this.#dead && !this.#active && this.#waiting.length === 0) { this.#release(); return; }
    this.#dead = true;
    const gone = new ClientGoneError('the client closed the connection');
    this.#reading?.abortBody(gone);
    const all = this.#active ? [this.#active, ...this.#waiting] : this.#waiting.slice();
    this.#active = undefined;
    this.#waiting.length = 0;
    for (const p of all) p.res.closed();
    this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.server.connectionClosed(this);
    setImmediate(() => this.#parser.close());
  }
}
