/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) are meaningful for one connection only and never forwarded, nor are the
 * headers a `Connection` header names. `expect` is answered by Node itself (100-continue) and undici refuses it.
 * `host` is kept (upstreams see the client's host, like nginx `proxy_set_header Host $host`).
 */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'expect',
]);
/** Replaced by the gateway on the way in (framing is set again from the body actually sent). */
const REPLACED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'traceparent', 'content-length']);

/**
 * Name lengths of the headers dropped or replaced on the way, by direction. Any other name (not `proxy-…` either) can
 * be neither, so it is passed on without being lower-cased: most headers of a request or an answer, on every request.
 */
function lengths(names: Iterable<string>): Uint8Array {
  const t = new Uint8Array(64);
  for (const n of names) t[n.length] = 1;
  return t;
}
const RESPONSE_DROP = lengths(HOP_BY_HOP);
const REQUEST_DROP = lengths([...HOP_BY_HOP, ...REPLACED]);
/** Whether the name could be one of those in `table` or `proxy-…` (p or P first). */
function mayDrop(name: string, table: Uint8Array): boolean {
  const c = name.charCodeAt(0);
  return table[name.length] === 1 || c === 112 || c === 80;
}

/** What forwarding needs from a client request. */
export interface ForwardSource {
  /** Flat [name, value, …] as received. */
  readonly rawHeaders: readonly string[];
  /** Lower-cased view (repeats joined). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly remoteAddress: string;
  readonly encrypted?: boolean;
}

export interface ForwardInfo {
  readonly traceparent: string;
  /** Extra headers appended as is (e.g. the dry-run marker on mirrored writes). */
  readonly extra?: readonly string[];
}

function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  // the common values name only headers that are hop-by-hop anyway: skip the set (hot path)
  if (text.length <= 10) { const t = text.trim().toLowerCase(); if (t === 'keep-alive' || t === 'close') return undefined; }
  const set = new Set<string>();
  for (const t of text.split(',')) { const n = t.trim().toLowerCase(); if (n) set.add(n); }
  return set.size ? set : undefined;
}

/** Upstream request headers as a flat [name, value, ...] array (undici's fastest form), built from rawHeaders. */
export function upstreamRequestHeaders(req: ForwardSource, info: ForwardInfo): string[] {
  const raw = req.rawHeaders;
  const named = connectionTokens(req.headers.connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (named !== undefined || mayDrop(name, REQUEST_DROP)) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || REPLACED.has(lower) || named?.has(lower)) continue;
      if (lower.startsWith('proxy-')) continue;
    }
    out.push(name, raw[i + 1]!);
  }
  const prior = req.headers['x-forwarded-for'];
  const ip = req.remoteAddress;
  out.push('x-forwarded-for', prior ? `${prior}, ${ip}` : ip);
  out.push('x-forwarded-proto', req.encrypted ? 'https' : 'http');
  const host = req.headers.host;
  if (host) out.push('x-forwarded-host', host);
  out.push('traceparent', info.traceparent);
  if (info.extra) out.push(...info.extra);
  return out;
}

/**
 * The same upstream headers with another traceparent (and extras): for the mirror's copy, without filtering the
 * client's headers a second time. `primary` must come from `upstreamRequestHeaders` without `extra`, which puts
 * traceparent last.
 */
export function withTraceparent(primary: readonly string[], traceparent: string, extra?: readonly string[]): string[] {
  const out = primary.slice();
  out[out.length - 1] = traceparent;
  if (extra) out.push(...extra);
  return out;
}

/** Response headers (flat, as parsed), minus hop-by-hop ones, as a flat array for writeHead. */
export function clientResponseHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (mayDrop(name, RESPONSE_DROP)) {
      const lower = name.toLowerCase();
      if (lower === 'connection') { named = connectionTokens(raw[i + 1]!); continue; }
      if (HOP_BY_HOP.has(lower) || lower.startsWith('proxy-')) continue;
    }
    out.push(name, raw[i + 1]!);
  }
  if (!named) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!named.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  return kept;
}

/** Lower-cased map of a flat header array (repeats joined with ", ", set-cookie with "\n"): for captured exchanges. */
export function headerMap(flat: readonly (string | Buffer)[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    const k = (typeof name === 'string' ? name : name.toString('latin1')).toLowerCase();
    const value = flat[i + 1]!;
    const v = typeof value === 'string' ? value : value.toString();
    const prev = map[k];
    map[k] = prev === undefined ? v : `${prev}${k === 'set-cookie' ? '\n' : ', '}${v}`;
  }
  return map;
}
