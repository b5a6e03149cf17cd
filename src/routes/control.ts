import type { AuditContext, Route, RouteChange, RouteInput, RouteStore, RouteTable } from '../state/types.js';
import { RouteControlError } from './errors.js';
import { storedMode, type RouteMode, type RouteSpec } from './model.js';
import { fromStoredRoute } from './stored.js';

/**
 * Route control over the state store: every change is one store transaction that bumps the table version and
 * writes its audit entry (who, when, before, after, why); gateways following the store swap tables within ~100 ms.
 * It needs no gateway: what a gateway would refuse (bad path patterns, duplicate params) is checked by the
 * `RouteTableCheck` the caller passes (the gateway's `compileRoutes`, wired by `src/gateway/control.ts`).
 */
export interface RouteEdit {
  readonly mode?: RouteMode;
  readonly match?: RouteInput['match'];
  /** Merged into the route's gateway options (userKey, entityKey, mirrorWrites, canaryShadow, fallback). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** Throws when a table would not load in a gateway; called before anything is stored (a bad table is refused, not live). */
export type RouteTableCheck = (routes: readonly RouteSpec[]) => void;

function modeFields(mode: RouteMode): Pick<RouteChange, 'mode' | 'canaryPercent'> {
  // a mode other than canary leaves the stored percent alone (only rollback resets it)
  const s = storedMode(mode);
  return mode.kind === 'canary' ? s : { mode: s.mode };
}

function toInput(r: Route): RouteInput {
  return { id: r.id, match: r.match, mode: r.mode, canaryPercent: r.canaryPercent, options: r.options };
}

function assertLoads(routes: readonly RouteInput[], check: RouteTableCheck | undefined): void {
  // fromStoredRoute checks the options; the caller's check what only a gateway knows
  const specs = routes.map((r, i) => fromStoredRoute({ ...r, position: i, canaryPercent: r.canaryPercent ?? 0,
    options: r.options ?? {}, updatedAt: new Date() }));
  check?.(specs);
}

/** Changes one route, or appends it when it does not exist yet (then `match` and `mode` are required). */
export async function setRoute(store: RouteStore, id: string, edit: RouteEdit, audit: AuditContext, check?: RouteTableCheck): Promise<RouteTable> {
  const table = await store.getRoutes();
  const current = table.routes.find((r) => r.id === id);
  if (!current) {
    if (!edit.match || !edit.mode) {
      throw new RouteControlError(`route "${id}" does not exist; to create it give both a path (--path) and a mode (--mode)`,
        { id, existing: table.routes.map((r) => r.id) });
    }
    const created: RouteInput = { id, match: edit.match, ...modeFields(edit.mode), options: (edit.options ?? {}) as RouteInput['options'] } as RouteInput;
    const routes = [...table.routes.map(toInput), created];
    assertLoads(routes, check);
    return store.setRoutes(routes, audit);
  }
  const change: RouteChange = {
    ...(edit.mode ? modeFields(edit.mode) : {}),
    ...(edit.match ? { match: edit.match } : {}),
    ...(edit.options ? { options: { ...current.options, ...edit.options } as RouteChange['options'] } : {}),
  };
  const after = { ...toInput(current), ...change } as RouteInput;
  assertLoads(table.routes.map((r) => (r.id === id ? after : toInput(r))), check);
  await store.updateRoute(id, change, audit);
  return store.getRoutes();
}

/** Replaces the whole table (e.g. from a JSON file), validated first. */
export async function replaceRoutes(store: RouteStore, routes: readonly RouteInput[], audit: AuditContext, check?: RouteTableCheck): Promise<RouteTable> {
  assertLoads(routes, check);
  return store.setRoutes(routes, audit);
}

/**
 * Instant rollback: every route (or the named one) back to `legacy`, in ONE transaction (one version, one audit
 * entry) so all gateways flip together. Canary percentages are kept at 0 so a later canary restarts from nothing.
 */
export async function rollbackRoutes(store: RouteStore, context: AuditContext, id?: string): Promise<RouteTable> {
  // recorded as a rollback, not as the set/update it is made of: the audit trail answers "when did we roll back?"
  const audit: AuditContext = { ...context, action: 'route.rollback' };
  const table = await store.getRoutes();
  if (id !== undefined) {
    if (!table.routes.some((r) => r.id === id)) {
      throw new RouteControlError(`route "${id}" does not exist; routes are ${table.routes.map((r) => r.id).join(', ') || '(none)'}`, { id });
    }
    await store.updateRoute(id, { mode: 'legacy', canaryPercent: 0 }, audit);
    return store.getRoutes();
  }
  return store.setRoutes(table.routes.map((r) => ({ ...toInput(r), mode: 'legacy', canaryPercent: 0 })), audit);
}
