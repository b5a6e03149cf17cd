/** Where request body chunks go once the proxy has decided (chunks that arrive before are held, bounded by one read). */
export interface BodySink {
  /** Return false to pause reading from the client until `GatewayRequest.resume()`. */
  data(chunk: Buffer): boolean;
  end(): void;
  /** The client left or sent a broken body: the request will never complete. */
  abort(reason: Error): void;
}

/** What the request needs from its connection. */
export interface RequestConnection {
  pauseReading(): void;
  resumeReading(): void;
}

/**
 * A parsed client request (head from llhttp, body streamed). `headers` is the lower-cased view routing reads (repeats
 * joined with ", ", cookies with "; ", as `node:http` does); `rawHeaders` keeps wire order and case for forwarding.
 */
export class GatewayRequest {
  readonly headers: Record<string, string>;
  /** -1 when absent. */
  readonly contentLength: number;
  readonly chunked: boolean;
  #sink: BodySink | undefined;
  #held: Buffer[] | undefined;
  #ended = false;
  #aborted: Error | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly rawHeaders: readonly string[],
    readonly httpMinor: number,
    readonly keepAlive: boolean,
    readonly remoteAddress: string,
    private readonly conn: RequestConnection,
  ) {
    const h: Record<string, string> = {};
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const k = rawHeaders[i]!.toLowerCase();
      const v = rawHeaders[i + 1]!;
      const prev = h[k];
      h[k] = prev === undefined ? v : `${prev}${k === 'cookie' ? '; ' : ', '}${v}`;
    }
    this.headers = h;
    const cl = h['content-length'];
    this.contentLength = cl === undefined ? -1 : Number(cl); // llhttp refused anything but digits
    this.chunked = h['transfer-encoding'] !== undefined;
  }

  get hasBody(): boolean { return this.chunked || this.contentLength > 0; }
  /** The body has been read to its end. */
  get complete(): boolean { return this.#ended; }

  /** Starts the body flowing into `sink` (held chunks first). */
  pipeBody(sink: BodySink): void {
    this.#sink = sink;
    const held = this.#held;
    this.#held = undefined;
    if (held) for (const c of held) if (!sink.data(c)) this.conn.pauseReading();
    if (this.#aborted) sink.abort(this.#aborted);
    else if (this.#ended) sink.end();
  }

  pause(): void { this.conn.pauseReading(); }
  resume(): void { this.conn.resumeReading(); }

  // ── from the connection ────────────────────────────────────────────────────────────────────────────────────────
  pushBody(chunk: Buffer): void {
    if (this.#sink) { if (!this.#sink.data(chunk)) this.conn.pauseReading(); return; }
    (this.#held ??= []).push(chunk);
  }

  endBody(): void {
    this.#ended = true;
    this.#sink?.end();
  }

  abortBody(reason: Error): void {
    if (this.#ended || this.#aborted) return;
    this.#aborted = reason;
    this.#sink?.abort(reason);
  }
}
