import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A raw HTTP/1.1 client for framing tests: writes exact bytes, reads answers back one by one with a small strict
 * response reader (status line, headers, Content-Length / chunked / close-delimited bodies, 1xx interim answers).
 * Kept deliberately independent of llhttp, the parser under test.
 */
export interface WireResponse {
  readonly status: number;
  readonly version: string;
  /** Lower-cased names; repeats joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly framing: 'length' | 'chunked' | 'close' | 'none';
  /** 1xx statuses received before this answer. */
  readonly interim: number[];
}

export class WireClient {
  #buf = Buffer.alloc(0);
  #ended = false;
  #wake: (() => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => { this.#buf = Buffer.concat([this.#buf, d]); this.#wake?.(); });
    this.closed = new Promise((resolve) => {
      const done = () => { this.#ended = true; this.#wake?.(); resolve(); };
      socket.on('end', done);
      socket.on('close', done);
    });
    socket.on('error', () => { /* 'close' follows */ });
  }

  static open(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => { s.off('error', reject); resolve(new WireClient(s)); });
      s.once('error', reject);
    });
  }

  get ended(): boolean { return this.#ended; }
  /** Bytes received and not consumed by readResponse. */
  get pending(): Buffer { return this.#buf; }

  write(data: string | Buffer): void { this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data); }

  /** Reads the next answer; `head: true` when it answers a HEAD request (no body whatever the headers say). */
  async read(opts: { head?: boolean; ms?: number } = {}): Promise<WireResponse> {
    const deadline = Date.now() + (opts.ms ?? 5000);
    const interim: number[] = [];
    for (;;) {
      const headEnd = await this.#until(() => { const i = this.#buf.indexOf('\r\n\r\n'); return i >= 0 ? i : undefined; }, deadline, 'a response head');
      const lines = this.#buf.subarray(0, headEnd).toString('latin1').split('\r\n');
      this.#buf = this.#buf.subarray(headEnd + 4);
      const m = /^HTTP\/(1\.[01]) (\d{3})(?: .*)?$/.exec(lines[0]!);
      if (!m) throw new Error(`bad status line: ${JSON.stringify(lines[0])}`);
      const status = Number(m[2]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const c = line.indexOf(':');
        if (c <= 0) throw new Error(`bad header line: ${JSON.stringify(line)}`);
        const k = line.slice(0, c).toLowerCase();
        const v = line.slice(c + 1).trim();
        headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
      }
      if (status < 200) { interim.push(status); continue; }
      if (opts.head || status === 204 || status === 304) return { status, version: m[1]!, headers, body: Buffer.alloc(0), framing: 'none', interim };
      if (headers['transfer-encoding'] !== undefined) {
        if (headers['transfer-encoding'].toLowerCase() !== 'chunked') throw new Error(`unexpected transfer-encoding ${headers['transfer-encoding']}`);
        if (headers['content-length'] !== undefined) throw new Error('both content-length and chunked');
        const parts: Buffer[] = [];
        for (;;) {
          const eol = await this.#until(() => { const i = this.#buf.indexOf('\r\n'); return i >= 0 ? i : undefined; }, deadline, 'a chunk size');
          const sizeLine = this.#buf.subarray(0, eol).toString('latin1');
          if (!/^[0-9a-fA-F]+$/.test(sizeLine)) throw new Error(`bad chunk size line ${JSON.stringify(sizeLine)}`);
          const size = parseInt(sizeLine, 16);
          await this.#until(() => (this.#buf.length >= eol + 2 + size + 2 ? true : undefined), deadline, 'a chunk');
          if (this.#buf.subarray(eol + 2 + size, eol + 4 + size).toString('latin1') !== '\r\n') throw new Error('chunk not followed by CRLF');
          parts.push(Buffer.from(this.#buf.subarray(eol + 2, eol + 2 + size)));
          this.#buf = this.#buf.subarray(eol + 4 + size);
          if (size === 0) break; // no trailers expected from the gateway
        }
        return { status, version: m[1]!, headers, body: Buffer.concat(parts), framing: 'chunked', interim };
      }
      const cl = headers['content-length'];
      if (cl !== undefined) {
        if (!/^\d+$/.test(cl)) throw new Error(`bad content-length ${cl}`);
        const n = Number(cl);
        await this.#until(() => (this.#buf.length >= n ? true : undefined), deadline, `${n} body bytes`);
        const body = Buffer.from(this.#buf.subarray(0, n));
        this.#buf = this.#buf.subarray(n);
        return { status, version: m[1]!, headers, body, framing: 'length', interim };
      }
      await this.#until(() => (this.#ended ? true : undefined), deadline, 'the close ending the body');
      const body = this.#buf;
      this.#buf = Buffer.alloc(0);
      return { status, version: m[1]!, headers, body, framing: 'close', interim };
    }
  }

  /** Resolves true when the server closed (FIN or reset) within `ms`, false otherwise. */
  async closesWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  }

  destroy(): void { this.socket.destroy(); }

  async #until<T>(probe: () => T | undefined, deadline: number, what: string): Promise<T> {
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (this.#ended) throw new Error(`connection closed while waiting for ${what} (${this.#buf.length} bytes left)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#wake = () => { clearTimeout(t); this.#wake = undefined; r(); };
      });
    }
  }
}

/** A TCP upstream answering with hand-framed bytes: `onRequest` gets each connection's received bytes so far. */
export interface RawUpstream {
  readonly url: string;
  readonly port: number;
  /** Every accepted connection, in order. */
  readonly sockets: Socket[];
  close(): Promise<void>;
}

export async function startRawUpstream(onData: (socket: Socket, received: string, index: number) => void): Promise<RawUpstream> {
  const sockets: Socket[] = [];
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    const index = sockets.length;
    sockets.push(s);
    let received = '';
    s.on('data', (d: Buffer) => { received += d.toString('latin1'); onData(s, received, index); });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, port, sockets,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** Number of complete request heads in `received` (for raw upstreams that answer per request). */
export function requestHeads(received: string): number {
  return received.split('\r\n\r\n').length - 1;
}
