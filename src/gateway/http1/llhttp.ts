import { createRequire } from 'node:module';
import { GatewayConfigError } from '../errors.js';

/**
 * Node's own llhttp binding — the parser behind `node:http` — used directly on raw sockets.
 *
 * Why not `node:http`: its IncomingMessage/ServerResponse machinery costs about 20 µs of JavaScript per proxied request
 * (measured: 34 µs user CPU per request for a bare `node:http` + undici proxy against 13 µs for the same parser on raw
 * sockets). The framing stays llhttp's — strict mode, the same smuggling defences as `node:http` (conflicting
 * Content-Length and Transfer-Encoding, duplicate lengths, bad chunk sizes are parse errors) — only the object layer
 * on top is ours. The binding is reached through `_http_common`, which Node keeps for compatibility; its shape is
 * checked once at load so that another Node version fails at start with a clear message, not at the first request.
 * Nothing outside `http1/` sees it.
 */

export type ParserKind = 'request' | 'response';

/** What the parser reports; `headers` are flat [name, value, …] in wire order and case, values latin1-decoded. */
export interface ParserEvents {
  onMessageBegin(): void;
  onHeadersComplete(
    versionMajor: number, versionMinor: number, headers: string[], method: string, url: string, status: number, statusText: string,
    upgrade: boolean, keepAlive: boolean,
  ): number;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
}

export interface ParseError extends Error { readonly code: string; readonly reason?: string }

export interface Http1Parser {
  /** Feeds bytes; a parse error comes back (not thrown) with llhttp's code, e.g. `HPE_HEADER_OVERFLOW`. */
  execute(data: Buffer): number | ParseError;
  /** End of input: completes a close-delimited message, or reports a truncated one. */
  finish(): ParseError | undefined;
  /** Releases the native parser. */
  close(): void;
}

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | ParseError;
  finish(): ParseError | undefined;
  close(): void;
  [k: number]: unknown;
}

interface Binding {
  HTTPParser: (new () => NativeParser) & Record<string, number>;
  methods: string[];
}

function load(): Binding {
  const b = createRequire(import.meta.url)('_http_common') as Partial<Binding>;
  const P = b.HTTPParser;
  const names = ['REQUEST', 'RESPONSE', 'kOnMessageBegin', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete'];
  if (typeof P !== 'function' || !Array.isArray(b.methods) || names.some((n) => typeof P[n] !== 'number')
    || typeof P.prototype.execute !== 'function' || typeof P.prototype.initialize !== 'function') {
    throw new GatewayConfigError(
      `this Node.js (${process.version}) does not expose the llhttp parser the gateway uses; run it on Node 20`, 'node');
  }
  return b as Binding;
}

const { HTTPParser, methods } = load();
const K = {
  begin: HTTPParser.kOnMessageBegin!, headers: HTTPParser.kOnHeaders!, complete: HTTPParser.kOnHeadersComplete!,
  body: HTTPParser.kOnBody!, done: HTTPParser.kOnMessageComplete!,
};
const NO_RESOURCE = {};

export function createParser(kind: ParserKind, maxHeaderSize: number, ev: ParserEvents): Http1Parser {
  const p = new HTTPParser();
  p.initialize(kind === 'request' ? HTTPParser.REQUEST! : HTTPParser.RESPONSE!, NO_RESOURCE, maxHeaderSize, 0 /* strict */);
  // llhttp hands over header pairs in batches of 32: earlier batches arrive here, the last with headers-complete.
  let partial: string[] | undefined;
  let partialUrl = '';
  p[K.begin] = () => { partial = undefined; partialUrl = ''; ev.onMessageBegin(); };
  p[K.headers] = (h: string[], url: string) => { (partial ??= []).push(...h); partialUrl += url; };
  p[K.complete] = (major: number, minor: number, h: string[] | undefined, method: number | undefined, url: string | undefined,
    status: number | undefined, statusText: string | undefined, upgrade: boolean, keepAlive: boolean): number => {
    let headers = h ?? [];
    if (partial) { headers = partial.concat(headers); partial = undefined; }
    const u = partialUrl ? partialUrl + (url ?? '') : url ?? '';
    partialUrl = '';
    return ev.onHeadersComplete(major, minor, headers, method === undefined ? '' : methods[method] ?? '', u, status ?? 0,
      statusText ?? '', upgrade, keepAlive) | 0;
  };
  p[K.body] = (chunk: Buffer) => ev.onBody(chunk);
  p[K.done] = () => {
    // Trailers of a chunked message arrive through kOnHeaders just before this: they are dropped here (the gateway
    // does not forward trailers). Left in `partial`, they became headers of the NEXT message on the connection —
    // a client could add headers to its next request, and an upstream's trailers reached another client's answer.
    partial = undefined;
    partialUrl = '';
    ev.onMessageComplete();
  };
  return {
    execute: (data) => p.execute(data),
    finish: () => p.finish(),
    close: () => p.close(),
  };
}
