import { GatewayConfigError } from '../errors.js';
import { checkPercent } from './mode.js';
import { cookieValue, type KeyContext } from './keys.js';
import type { MatchCondition, RouteSpec } from './route.js';

/** A route compiled once per table version: a regex per pattern plus a literal prefix checked first. */
export interface CompiledRoute {
  readonly spec: RouteSpec;
  /** `GET /customers/:id` (methods joined with `|`, `*` when any): the aggregation key for metrics and diffs. */
  readonly endpoint: string;
  readonly methods: ReadonlySet<string> | undefined;
  readonly prefix: string;
  readonly regex: RegExp;
  readonly paramNames: readonly string[];
  readonly headers: readonly CompiledCondition[];
  readonly cookies: readonly CompiledCondition[];
}

/** `test(value)` says whether a header/cookie value (undefined = absent) satisfies the condition. */
export interface CompiledCondition {
  readonly name: string;
  test(value: string | undefined): boolean;
}

export interface RouteHit {
  readonly route: CompiledRoute;
  readonly params: Readonly<Record<string, string>>;
}

/** What matching needs from the request; `headers` are Node's lower-cased request headers. */
export interface MatchInput {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Immutable: a new table is compiled and swapped in as a whole, so a request sees one consistent version. */
export interface RouteTable {
  readonly version: number;
  readonly routes: readonly CompiledRoute[];
  match(input: MatchInput): RouteHit | undefined;
}

const PARAM = /^:([A-Za-z_][A-Za-z0-9_]*)$/;

export function compileRoute(spec: RouteSpec): CompiledRoute {
  const where = `route ${JSON.stringify(spec.id)}`;
  if (!spec.id || typeof spec.id !== 'string') throw new GatewayConfigError('route id must be a non-empty string', where);
  const path = spec.match?.path;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new GatewayConfigError(`match.path must start with "/", got ${JSON.stringify(path)}`, where);
  }
  if (spec.mode?.kind === 'canary') checkPercent(spec.mode.percent, `${where} mode`);
  if (spec.mode?.kind === 'owner' && (!spec.entity || !spec.entityKey)) {
    // without both the gateway cannot find the entity's line in the ledger: every request would silently go to legacy
    throw new GatewayConfigError('owner mode needs entity (the ledger entity, e.g. customer) and entityKey (e.g. param:id)', where);
  }
  const segments = path.split('/').slice(1);
  const paramNames: string[] = [];
  let re = '^';
  let prefix = '';
  let literal = true;
  segments.forEach((seg, i) => {
    if (seg === '*' && i === segments.length - 1) {
      re += '(?:/(.*))?'; paramNames.push('*'); literal = false; return;
    }
    const p = PARAM.exec(seg);
    if (p) {
      if (paramNames.includes(p[1]!)) throw new GatewayConfigError(`duplicate path param :${p[1]}`, where);
      re += '/([^/]+)'; paramNames.push(p[1]!); literal = false; return;
    }
    if (seg.includes(':') || seg.includes('*')) {
      throw new GatewayConfigError(`bad path segment "${seg}" (params are whole segments like :id)`, where);
    }
    re += '/' + seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (literal) prefix += '/' + seg;
  });
  re += '/?$';
  const methods = spec.match.methods?.length ? new Set(spec.match.methods.map((m) => m.toUpperCase())) : undefined;
  return {
    spec,
    endpoint: `${methods ? [...methods].join('|') : '*'} ${path}`,
    methods,
    prefix: prefix === '' ? '/' : prefix,
    regex: new RegExp(re),
    paramNames,
    headers: (spec.match.headers ?? []).map((c, i) => compileCondition(c, true, `${where} match.headers[${i}]`)),
    cookies: (spec.match.cookies ?? []).map((c, i) => compileCondition(c, false, `${where} match.cookies[${i}]`)),
  };
}

function compileCondition(c: MatchCondition, lower: boolean, where: string): CompiledCondition {
  if (!c || typeof c.name !== 'string' || c.name === '') throw new GatewayConfigError('condition needs a name', where);
  const name = lower ? c.name.toLowerCase() : c.name;
  if (c.absent) return { name, test: (v) => v === undefined };
  if (c.equals !== undefined) { const e = c.equals; return { name, test: (v) => v === e }; }
  if (c.matches !== undefined) {
    let re: RegExp;
    try { re = new RegExp(c.matches); } catch (e) {
      throw new GatewayConfigError(`bad regular expression: ${(e as Error).message}`, where);
    }
    return { name, test: (v) => v !== undefined && re.test(v) };
  }
  return { name, test: (v) => v !== undefined };
}

export function compileRoutes(specs: readonly RouteSpec[], version: number): RouteTable {
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.id)) throw new GatewayConfigError('duplicate route id', `route ${JSON.stringify(s.id)}`);
    seen.add(s.id);
  }
  const routes = specs.map(compileRoute);
  return { version, routes, match: (input) => matchRoutes(routes, input) };
}

/** First matching route in table order wins. */
function matchRoutes(routes: readonly CompiledRoute[], input: MatchInput): RouteHit | undefined {
  for (const route of routes) {
    if (route.methods && !route.methods.has(input.method)) continue;
    if (!input.path.startsWith(route.prefix)) continue;
    const m = route.regex.exec(input.path);
    if (!m) continue;
    if (!headersMatch(route, input.headers)) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < route.paramNames.length; i++) {
      const raw = m[i + 1];
      if (raw === undefined) continue;
      try { params[route.paramNames[i]!] = decodeURIComponent(raw); } catch { params[route.paramNames[i]!] = raw; }
    }
    return { route, params };
  }
  return undefined;
}

function headersMatch(route: CompiledRoute, headers: MatchInput['headers']): boolean {
  for (const c of route.headers) if (!c.test(firstHeader(headers[c.name]))) return false;
  if (route.cookies.length > 0) {
    const cookie = firstHeader(headers.cookie);
    for (const c of route.cookies) if (!c.test(cookieValue(cookie, c.name))) return false;
  }
  return true;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** KeyContext over a match result and Node's request headers. */
export function keyContext(hit: RouteHit, headers: MatchInput['headers']): KeyContext {
  return {
    params: hit.params,
    header: (name) => firstHeader(headers[name]),
    cookie: (name) => cookieValue(firstHeader(headers.cookie), name),
  };
}
