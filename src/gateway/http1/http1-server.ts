import { createServer, type AddressInfo, type Server } from 'node:net';
import { listenOn, stopListening } from './listen.js';
import { ClientConnection, type ConnectionServer, type RequestListener } from './client-connection.js';
import { adoptWithSharedReads } from './shared-reads.js';

export interface Http1ServerOptions {
  /** Request head, every byte; beyond: 431. */
  readonly maxHeaderSize: number;
  /** Header fields per request head; beyond: 431. */
  readonly maxHeaderCount: number;
  /** Longest silence in a request body (the gateway's own pauses excluded); beyond: 408. */
  readonly bodyIdleMs: number;
  /** After the first `bodyIdleMs`, a body must average this many bytes per second (0: no minimum); below: 408. */
  readonly minBodyBytesPerSec: number;
  /** Longest wait for a client to take the answer's bytes; beyond: the connection is cut. */
  readonly sendTimeoutMs: number;
  /** Client connections open at once; beyond, a new connection gets 503 and is closed. */
  readonly maxConnections: number;
  /** A connection was refused at the cap (for a log line and a metric). */
  readonly onConnectionRefused?: (open: number) => void;
  /** From a request's first byte to the end of its headers (slowloris); beyond: 408. */
  readonly headersTimeoutMs: number;
  /** From a request's first byte to the end of its body; beyond: 408 (or cut, if the answer already started). */
  readonly requestTimeoutMs: number;
  /** Keep-alive connections idle longer than this are closed. */
  readonly idleMs: number;
  /** Protocol-level refusals, by llhttp code (HPE_…, 'timeout', 'upgrade'): for metrics. */
  readonly onClientError?: (code: string) => void;
}

const AT_CAPACITY = 'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n'
  + 'retry-after: 1\r\ncontent-length: 32\r\n\r\ngateway at its connection limit\n';

/**
 * An HTTP/1.1 server on raw sockets with llhttp framing (see llhttp.ts for why not `node:http`). Works under
 * node:cluster like any net.Server. One sweep timer per server enforces the client timeouts.
 */
export class Http1Server implements ConnectionServer {
  readonly net: Server;
  readonly connections = new Set<ClientConnection>();
  closing = false;
  readonly #sweep: NodeJS.Timeout;

  constructor(readonly options: Http1ServerOptions, readonly listener: RequestListener) {
    // paused at accept: a connection is read only once adopted (shared-reads.ts), and one refused at the cap never is
    this.net = createServer({ noDelay: true, allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      if (this.closing) { socket.destroy(); return; }
      if (this.connections.size >= options.maxConnections) {
        // at the cap: a short honest answer (it fits any socket buffer) rather than a reset or an unbounded fd count
        socket.on('error', () => { /* the client may be gone already */ });
        // destroyed once written: never read from, it would otherwise stay half-open (and hold the server's close)
        socket.end(AT_CAPACITY, () => socket.destroy());
        options.onConnectionRefused?.(this.connections.size);
        return;
      }
      let conn: ClientConnection | undefined;
      const adopted = adoptWithSharedReads(socket, (d) => conn!.feed(d));
      if (adopted) conn = new ClientConnection(adopted, this);
      else {
        const c = conn = new ClientConnection(socket, this);
        socket.on('data', (d: Buffer) => c.feed(d));
        socket.resume();
      }
      this.connections.add(conn);
    });
    const o = options;
    const every = Math.max(10, Math.min(1000,
      Math.min(o.headersTimeoutMs, o.requestTimeoutMs, o.idleMs, o.bodyIdleMs, o.sendTimeoutMs) / 10));
    this.#sweep = setInterval(() => this.#check(), every);
    this.#sweep.unref();
  }

  get maxHeaderSize(): number { return this.options.maxHeaderSize; }
  get maxHeaderCount(): number { return this.options.maxHeaderCount; }

  clientError(code: string): void { this.options.onClientError?.(code); }
  connectionClosed(c: ClientConnection): void { this.connections.delete(c); }

  listen(port: number, host: string): Promise<AddressInfo> { return listenOn(this.net, port, host); }

  address(): AddressInfo | null { return this.net.address() as AddressInfo | null; }

  /** Stops accepting; resolves when the listening socket is closed (connections may live on: see closeIdle/closeAll). */
  stopAccepting(): Promise<void> {
    this.closing = true;
    return stopListening(this.net);
  }

  closeIdleConnections(): void { for (const c of this.connections) c.closeIfIdle(); }
  closeAllConnections(): void {
    clearInterval(this.#sweep);
    for (const c of this.connections) c.socket.destroy();
  }

  #check(): void {
    const now = performance.now();
    const o = this.options;
    for (const c of this.connections) {
      if (c.writeStalledSince >= 0 && now - c.writeStalledSince > o.sendTimeoutMs) {
        // the client stopped reading its answer: the upstream exchange behind it is released with the connection
        this.clientError('send_timeout');
        c.socket.destroy();
        continue;
      }
      if (c.requestStartedAt >= 0) {
        const age = now - c.requestStartedAt;
        if (!c.headersDone && age > o.headersTimeoutMs) { this.clientError('timeout'); c.refuse(408, 'Request Timeout'); }
        else if (age > o.requestTimeoutMs) { this.clientError('timeout'); c.refuse(408, 'Request Timeout'); }
        else if (c.readingBody && (now - c.lastBodyAt > o.bodyIdleMs || (o.minBodyBytesPerSec > 0
          && now - c.bodyStartedAt > o.bodyIdleMs + (c.bodyBytes * 1000) / o.minBodyBytesPerSec))) {
          // a body dripping byte by byte: inactivity, or below the minimum rate once past the first bodyIdleMs
          this.clientError('body_timeout');
          c.refuse(408, 'Request Timeout');
        }
      } else if (!c.busy && (this.closing || now - c.idleSince > o.idleMs) && c.writeStalledSince < 0) {
        // (an answer still leaving for a slow reader is not idleness: the send timeout above governs it)
        c.closeIfIdle();
      }
    }
  }
}
