import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ClientGoneError, type RequestListener } from '../http1/client-connection.js';
import { GatewayRequest } from '../http1/gateway-request.js';
import type { ClientResponse } from '../http1/gateway-response.js';
import type { Http1ServerOptions } from '../http1/http1-server.js';
import { listenOn, stopListening } from '../http1/listen.js';

/**
 * The fallback front end: `node:http` when Node's llhttp binding (`_http_common`) is missing or behaves differently
 * (llhttp.ts, `llhttpProblem`). Slower — IncomingMessage/ServerResponse cost ~20 µs per request — but serving, with the
 * same proxy behind it. Limits map onto node:http's own: head size (its count: names and values), header count,
 * headers and request timeouts, keep-alive idle, a socket inactivity timeout (slow bodies and clients that do not
 * read), the connection cap (`maxConnections`, counted on 'drop'), 505 for versions but 1.x.
 */
export class NodeHttpFrontEnd {
  readonly net: Server;
  readonly connections = new Set<Socket>();
  closing = false;

  constructor(readonly options: Http1ServerOptions, listener: RequestListener) {
    const o = options;
    this.net = createServer({
      maxHeaderSize: o.maxHeaderSize, requestTimeout: o.requestTimeoutMs, headersTimeout: o.headersTimeoutMs,
      keepAliveTimeout: o.idleMs, noDelay: true, requireHostHeader: true,
    }, (im, sr) => this.#request(im, sr, listener));
    // one more than allowed, so that a head over the count is seen (node:http drops the rest silently)
    this.net.maxHeadersCount = o.maxHeaderCount + 1;
    this.net.maxConnections = o.maxConnections;
    // inactivity either way (a body dripping, an answer not read): the socket is destroyed
    this.net.timeout = Math.max(o.bodyIdleMs, o.sendTimeoutMs);
    this.net.on('drop', () => o.onConnectionRefused?.(this.connections.size));
    this.net.on('connection', (s: Socket) => { this.connections.add(s); s.on('close', () => this.connections.delete(s)); });
    this.net.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
      o.onClientError?.(err.code ?? 'bad_request');
      if (!socket.writable) { socket.destroy(); return; }
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
  }

  #request(im: IncomingMessage, sr: ServerResponse, listener: RequestListener): void {
    const refuse = (code: string, status: number): void => {
      this.options.onClientError?.(code);
      sr.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`${STATUS_CODES[status]}\n`);
    };
    if (im.httpVersionMajor !== 1) { refuse('bad_version', 505); return; }
    if (im.rawHeaders.length > this.options.maxHeaderCount * 2) { refuse('HPE_HEADER_OVERFLOW', 431); return; }
    const te = im.headers['transfer-encoding'];
    if (te !== undefined && te.trim().toLowerCase() !== 'chunked') { refuse('transfer_coding', 501); return; }
    const req = new GatewayRequest(im.method!, im.url!, im.rawHeaders, im.httpVersionMinor, true, im.socket.remoteAddress ?? 'unknown',
      { pauseReading: () => im.pause(), resumeReading: () => im.resume() });
    im.on('data', (c: Buffer) => req.pushBody(c));
    im.on('end', () => req.endBody());
    im.on('error', () => req.abortBody(new ClientGoneError('the client closed the connection')));
    sr.on('close', () => { if (!im.complete) req.abortBody(new ClientGoneError('the client closed the connection')); });
    const res = new NodeHttpResponse(sr, () => this.closing);
    try {
      listener(req, res);
    } catch (e) {
      if (!sr.headersSent) res.sendText(500, `gateway error: ${(e as Error).message}`); else sr.destroy();
    }
  }

  listen(port: number, host: string): Promise<AddressInfo> { return listenOn(this.net, port, host); }

  address(): AddressInfo | null { return this.net.address() as AddressInfo | null; }

  stopAccepting(): Promise<void> {
    this.closing = true;
    return stopListening(this.net);
  }

  closeIdleConnections(): void { this.net.closeIdleConnections(); }
  closeAllConnections(): void { this.net.closeAllConnections(); for (const s of this.connections) s.destroy(); }
}

/** ClientResponse over a ServerResponse: the head is held until the first body bytes, as GatewayResponse does. */
class NodeHttpResponse implements ClientResponse {
  headersSent = false;
  shouldKeepAlive = true;
  #head: [number, string | undefined, readonly string[]] | undefined;
  #done = false;

  constructor(private readonly sr: ServerResponse, private readonly closing: () => boolean) {}

  get onWire(): boolean { return this.sr.headersSent; }
  get finished(): boolean { return this.#done; }

  writeHead(status: number, statusText: string | undefined, headers: readonly string[]): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.#head = [status, statusText, headers];
  }

  retract(): boolean {
    if (this.sr.headersSent || this.#done) return false;
    this.headersSent = false;
    this.#head = undefined;
    return true;
  }

  write(chunk: Buffer): boolean { this.#flush(); return this.sr.write(chunk); }

  end(chunk?: Buffer): void {
    if (this.#done) return;
    if (!this.headersSent) this.writeHead(200, 'OK', ['content-length', String(chunk?.length ?? 0)]);
    this.#flush();
    this.#done = true;
    if (chunk && chunk.length > 0) this.sr.end(chunk); else this.sr.end();
  }

  sendText(status: number, text: string, keepAlive = false): void {
    if (!keepAlive) this.shouldKeepAlive = false;
    const body = Buffer.from(text);
    this.writeHead(status, undefined, ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)]);
    this.end(body);
  }

  destroy(): void { this.sr.destroy(); }
  onceDrain(cb: () => void): void { this.sr.once('drain', cb); }
  onClose(cb: () => void): void { this.sr.once('close', cb); }

  #flush(): void {
    const h = this.#head;
    if (!h) return;
    this.#head = undefined;
    const headers = !this.shouldKeepAlive || this.closing() ? [...h[2], 'connection', 'close'] : h[2];
    this.sr.writeHead(h[0], h[1] || STATUS_CODES[h[0]] || 'Unknown', headers as string[]);
  }
}
