/**
 * Input checks shared by both adapters, so a bad call fails the same way on every engine, before any SQL runs, with
 * the path of the bad field.
 */
import { StateInputError } from './errors.js';
import {
  LEDGER_ORIGINS, LEDGER_STATES, QUARANTINE_STATES, ROUTE_MODES,
  type AuditContext, type AuditInput, type DiffDelta, type JsonObject, type LedgerStateChange, type LedgerUpsert,
  type MatchCondition, type QuarantineInput, type RouteChange, type RouteInput, type RouteMatch,
} from './types.js';

/** Longest text in an indexed column: PostgreSQL B-tree entries must stay under ~2,700 bytes (4 bytes a character). */
export const INDEXED_TEXT = 500;

export function text(where: string, v: unknown, maxLength = 10_000): string {
  // NUL cannot be stored in PostgreSQL text; refuse it on both engines alike
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength || v.includes('\u0000')) {
    throw new StateInputError(where, `a non-empty string of at most ${maxLength} characters without NUL`, v);
  }
  return v;
}

export function oneOf<T extends string>(where: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new StateInputError(where, `one of ${allowed.join(', ')}`, v);
  return v as T;
}

export function limit(where: string, v: number | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new StateInputError(where, `an integer in 1..${max}`, v);
  return v;
}

export function jsonObject(where: string, v: unknown): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new StateInputError(where, 'a JSON object', v);
  return v as JsonObject;
}

/** JSON text of a value, refusing what JSON cannot carry (undefined, functions, bigint, NaN) instead of mangling it. */
export function jsonText(where: string, v: unknown): string {
  let out: string | undefined;
  try {
    out = JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint' || typeof x === 'function' || typeof x === 'symbol') throw new Error(typeof x);
      if (typeof x === 'number' && !Number.isFinite(x)) throw new Error(String(x));
      return x;
    });
  } catch (e) {
    throw new StateInputError(where, 'a JSON value (no bigint, function, NaN or Infinity)', (e as Error).message);
  }
  if (out === undefined) throw new StateInputError(where, 'a JSON value', v);
  return out;
}

export function ledgerUpsert(where: string, e: LedgerUpsert): LedgerUpsert {
  return {
    entity: text(`${where}.entity`, e?.entity, 200),
    key: text(`${where}.key`, e.key, INDEXED_TEXT),
    state: oneOf(`${where}.state`, e.state, LEDGER_STATES),
    version: text(`${where}.version`, e.version, 1000),
    origin: oneOf(`${where}.origin`, e.origin, LEDGER_ORIGINS),
  };
}

export function ledgerStateChange(where: string, c: LedgerStateChange): LedgerStateChange {
  text(`${where}.entity`, c?.entity, 200);
  text(`${where}.key`, c.key, INDEXED_TEXT);
  oneOf(`${where}.state`, c.state, LEDGER_STATES);
  if (c.ifVersion !== undefined) text(`${where}.ifVersion`, c.ifVersion, 1000);
  if (c.ifState !== undefined) {
    if (!Array.isArray(c.ifState) || c.ifState.length === 0) throw new StateInputError(`${where}.ifState`, 'a non-empty array of ledger states', c.ifState);
    c.ifState.forEach((s, i) => oneOf(`${where}.ifState[${i}]`, s, LEDGER_STATES));
  }
  return c;
}

function condition(where: string, c: MatchCondition): void {
  text(`${where}.name`, c?.name, 200);
  if (c.equals !== undefined && typeof c.equals !== 'string') throw new StateInputError(`${where}.equals`, 'a string', c.equals);
  if (c.matches !== undefined) {
    try { new RegExp(text(`${where}.matches`, c.matches, 1000)); } catch (e) {
      throw new StateInputError(`${where}.matches`, `a valid regular expression (${(e as Error).message})`, c.matches);
    }
  }
  if (c.absent !== undefined && typeof c.absent !== 'boolean') throw new StateInputError(`${where}.absent`, 'a boolean', c.absent);
}

export function routeMatch(where: string, m: RouteMatch): RouteMatch {
  if (m === null || typeof m !== 'object') throw new StateInputError(where, 'an object with at least a path', m);
  const path = text(`${where}.path`, m.path, 2000);
  if (!path.startsWith('/')) throw new StateInputError(`${where}.path`, 'a path pattern starting with "/"', path);
  if (m.methods !== undefined) {
    if (!Array.isArray(m.methods)) throw new StateInputError(`${where}.methods`, 'an array of HTTP methods', m.methods);
    m.methods.forEach((x, i) => {
      if (typeof x !== 'string' || !/^[A-Z]+$/.test(x)) throw new StateInputError(`${where}.methods[${i}]`, 'an upper-case HTTP method', x);
    });
  }
  for (const kind of ['headers', 'cookies'] as const) {
    const list = m[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new StateInputError(`${where}.${kind}`, 'an array of conditions', list);
    list.forEach((c, i) => condition(`${where}.${kind}[${i}]`, c));
  }
  return m;
}

function percent(where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100 || Math.round(v * 100) !== v * 100) {
    throw new StateInputError(where, 'a number in 0..100 with at most two decimals', v);
  }
  return v;
}

export function routeInputs(where: string, routes: readonly RouteInput[]): RouteInput[] {
  if (!Array.isArray(routes)) throw new StateInputError(where, 'an array of routes', routes);
  const seen = new Set<string>();
  return routes.map((r, i) => {
    const w = `${where}[${i}]`;
    if (r === null || typeof r !== 'object') throw new StateInputError(w, 'a route object', r);
    const id = text(`${w}.id`, r.id, 200);
    if (seen.has(id)) throw new StateInputError(`${w}.id`, 'a route id not used by an earlier route', id);
    seen.add(id);
    return {
      id,
      match: routeMatch(`${w}.match`, r.match),
      mode: oneOf(`${w}.mode`, r.mode, ROUTE_MODES),
      canaryPercent: r.canaryPercent === undefined ? 0 : percent(`${w}.canaryPercent`, r.canaryPercent),
      options: r.options === undefined ? {} : jsonObject(`${w}.options`, r.options),
    };
  });
}

export function routeChange(where: string, c: RouteChange): RouteChange {
  if (c === null || typeof c !== 'object') throw new StateInputError(where, 'an object with match, mode, canaryPercent or options', c);
  if (c.match !== undefined) routeMatch(`${where}.match`, c.match);
  if (c.mode !== undefined) oneOf(`${where}.mode`, c.mode, ROUTE_MODES);
  if (c.canaryPercent !== undefined) percent(`${where}.canaryPercent`, c.canaryPercent);
  if (c.options !== undefined) jsonObject(`${where}.options`, c.options);
  return c;
}

export function auditContext(where: string, a: AuditContext): AuditContext {
  if (a === null || typeof a !== 'object') throw new StateInputError(where, 'an object {actor, reason?}', a);
  text(`${where}.actor`, a.actor, 200);
  if (a.reason !== undefined) text(`${where}.reason`, a.reason);
  if (a.action !== undefined) text(`${where}.action`, a.action, 200);
  return a;
}

export function auditInput(where: string, a: AuditInput): AuditInput {
  auditContext(where, a);
  text(`${where}.action`, a.action, 200);
  text(`${where}.subject`, a.subject, INDEXED_TEXT);
  return a;
}

export function quarantineInput(where: string, q: QuarantineInput): QuarantineInput {
  if (q === null || typeof q !== 'object') throw new StateInputError(where, 'a quarantine item', q);
  text(`${where}.sourceTable`, q.sourceTable, 200);
  text(`${where}.key`, q.key, INDEXED_TEXT);
  text(`${where}.reasonCode`, q.reasonCode, 200);
  text(`${where}.message`, q.message);
  jsonText(`${where}.payload`, q.payload);
  return q;
}

export function quarantineTarget(where: string, v: unknown): 'redriven' | 'resolved' {
  return oneOf(where, v, QUARANTINE_STATES.filter((s): s is 'redriven' | 'resolved' => s !== 'open'));
}

export function diffDelta(where: string, d: DiffDelta): DiffDelta {
  if (d === null || typeof d !== 'object') throw new StateInputError(where, 'a diff delta', d);
  text(`${where}.endpoint`, d.endpoint, INDEXED_TEXT);
  text(`${where}.fieldPath`, d.fieldPath, INDEXED_TEXT);
  text(`${where}.kind`, d.kind, 100);
  if (!Number.isSafeInteger(d.count) || d.count < 0) throw new StateInputError(`${where}.count`, 'a non-negative integer', d.count);
  if (d.samples !== undefined && !Array.isArray(d.samples)) throw new StateInputError(`${where}.samples`, 'an array', d.samples);
  return d;
}

export function idList(where: string, ids: readonly number[]): number[] {
  if (!Array.isArray(ids)) throw new StateInputError(where, 'an array of ids', ids);
  ids.forEach((x, i) => { if (!Number.isSafeInteger(x) || x < 1) throw new StateInputError(`${where}[${i}]`, 'a positive integer id', x); });
  return [...new Set(ids)].sort((a, b) => a - b);
}
