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
  /** Optional: without it llhttp makes no JS call at a message's start (one C++→JS entry per message saved). */
  onMessageBegin?(): void;
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

/** The binding, or why it can not be used. */
function load(): Binding | string {
  let b: Partial<Binding>;
  try { b = createRequire(import.meta.url)('_http_common') as Partial<Binding>; } catch (e) { return `_http_common: ${(e as Error).message}`; }
  const P = b.HTTPParser;
  const names = ['REQUEST', 'RESPONSE', 'kOnMessageBegin', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete'];
  if (typeof P !== 'function' || !Array.isArray(b.methods) || names.some((n) => typeof P[n] !== 'number')
    || typeof P.prototype.execute !== 'function' || typeof P.prototype.initialize !== 'function') {
    return '_http_common does not expose HTTPParser with the expected names';
  }
  return b as Binding;
}

const loaded = process.env.SIPHON_GATEWAY_NO_LLHTTP === '1' ? 'disabled by SIPHON_GATEWAY_NO_LLHTTP=1' : load();
const binding = typeof loaded === 'string' ? undefined : loaded;
const K = binding && {
  begin: binding.HTTPParser.kOnMessageBegin!, headers: binding.HTTPParser.kOnHeaders!,
  complete: binding.HTTPParser.kOnHeadersComplete!, body: binding.HTTPParser.kOnBody!, done: binding.HTTPParser.kOnMessageComplete!,
};
const NO_RESOURCE = {};

/**
 * Why the llhttp binding can not be used on this Node (undefined: it can). Names existing is not enough — Node may
 * keep them and change what the callbacks receive — so a request and a response are parsed once at load and every
 * value the gateway relies on is compared (version, method, target, headers, status, keep-alive, body, completion).
 */
export const llhttpProblem: string | undefined = typeof loaded === 'string' ? loaded : selfTest();

export function createParser(kind: ParserKind, maxHeaderSize: number, ev: ParserEvents): Http1Parser {
  if (llhttpProblem !== undefined) {
    throw new GatewayConfigError(`this Node.js (${process.version}) can not run the llhttp front end: ${llhttpProblem}`, 'node');
  }
  return createRaw(kind, maxHeaderSize, ev);
}

function createRaw(kind: ParserKind, maxHeaderSize: number, ev: ParserEvents): Http1Parser {
  const { HTTPParser, methods } = binding!;
  const k = K!;
  const p = new HTTPParser();
  p.initialize(kind === 'request' ? HTTPParser.REQUEST! : HTTPParser.RESPONSE!, NO_RESOURCE, maxHeaderSize, 0 /* strict */);
  // llhttp hands over header pairs in batches of 32: earlier batches arrive here, the last with headers-complete.
  let partial: string[] | undefined;
  let partialUrl = '';
  // (`partial` needs no reset at a message's start: headers-complete and message-complete both clear it)
  if (ev.onMessageBegin) p[k.begin] = () => { ev.onMessageBegin!(); };
  p[k.headers] = (h: string[], url: string) => { (partial ??= []).push(...h); partialUrl += url; };
  p[k.complete] = (major: number, minor: number, h: string[] | undefined, method: number | undefined, url: string | undefined,
    status: number | undefined, statusText: string | undefined, upgrade: boolean, keepAlive: boolean): number => {
    let headers = h ?? [];
    if (partial) { headers = partial.concat(headers); partial = undefined; }
    const u = partialUrl ? partialUrl + (url ?? '') : url ?? '';
    partialUrl = '';
    return ev.onHeadersComplete(major, minor, headers, method === undefined ? '' : methods[method] ?? '', u, status ?? 0,
      statusText ?? '', upgrade, keepAlive) | 0;
  };
  p[k.body] = (chunk: Buffer) => ev.onBody(chunk);
  p[k.done] = () => {
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

/** Parses a known request and response; returns what differs from the expected events (undefined: all as expected). */
function selfTest(): string | undefined {
  const seen: unknown[] = [];
  const events: ParserEvents = {
    onMessageBegin: () => { seen.push('begin'); },
    onHeadersComplete: (major, minor, headers, method, url, status, statusText, upgrade, keepAlive) => {
      seen.push([major, minor, headers, method, url, status, statusText, upgrade, keepAlive]);
      return 0;
    },
    onBody: (chunk) => { seen.push(chunk.toString('latin1')); },
    onMessageComplete: () => { seen.push('complete'); },
  };
  const cases: [ParserKind, string, unknown[]][] = [
    ['request', 'POST /p?q=1 HTTP/1.1\r\nHost: h\r\nX-A: b\r\nContent-Length: 2\r\n\r\nok',
      ['begin', [1, 1, ['Host', 'h', 'X-A', 'b', 'Content-Length', '2'], 'POST', '/p?q=1', 0, '', false, true], 'ok', 'complete']],
    ['response', 'HTTP/1.0 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n',
      ['begin', [1, 0, ['Transfer-Encoding', 'chunked'], '', '', 201, 'Created', false, false], 'z', 'complete']],
  ];
  try {
    for (const [kind, text, want] of cases) {
      seen.length = 0;
      const p = createRaw(kind, 1024, events);
      const r = p.execute(Buffer.from(text, 'latin1'));
      p.close();
      if (typeof r !== 'number') return `the ${kind} self-test did not parse: ${r.code}`;
      const got = JSON.stringify(seen);
      if (got !== JSON.stringify(want)) return `the ${kind} self-test gave ${got}, expected ${JSON.stringify(want)}`;
    }
  } catch (e) {
    return `the self-test threw: ${(e as Error).message}`;
  }
  return undefined;
}
