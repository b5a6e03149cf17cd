import { defaultSlotName } from '../../capture/pgoutput/slot.js';
import type { ResolvedConfig } from '../../config/types.js';
import { START_ROLES, type StartRole } from '../../config/start-schema.js';
import { assertNever } from '../../errors.js';
import type { Logger } from '../../observe/logger.js';
import { DEFAULT_SOURCE } from '../../migrate/sources.js';
import type { Component } from '../supervisor/component.js';
import { StartConfigError } from '../supervisor/errors.js';
import { gatewayComponent } from './gateway-component.js';
import { migrateComponent } from './migrate-component.js';

export { START_ROLES, type StartRole };

export const DEFAULT_HEALTH_PORT = 9464;
export const DEFAULT_GATEWAY_PORT = 8080;

/**
 * Components of the `control` role (admin API, canary analysis), given by whoever wires them in (src/cli/commands/
 * start.ts). A factory returns the components it runs for this config, or none.
 */
export interface ControlComponents {
  /** Names of the components it provides (empty: the control role is not available in this build). */
  readonly names: readonly string[];
  create(config: ResolvedConfig, log: Logger): readonly Component[];
}

/** Until the admin API and canary analysis are wired in, the control role has nothing to run. */
export const NO_CONTROL: ControlComponents = { names: [], create: () => [] };

export interface StartPlan {
  readonly roles: readonly StartRole[];
  readonly components: readonly Component[];
}

/** Roles to run: `--role`, else the config's `start.roles`, else every role the config can run. */
export function rolesFor(config: ResolvedConfig, role: StartRole | undefined, control: ControlComponents): StartRole[] {
  if (role) return [role];
  if (config.start?.roles) return [...new Set(config.start.roles)];
  const roles: StartRole[] = ['migrate'];
  if (config.legacy.http && config.next.http) roles.unshift('gateway');
  if (control.names.length > 0) roles.push('control');
  return roles;
}

/** The components of the chosen roles, in start order: the gateway last, so it drains first at SIGTERM. */
export function planStart(config: ResolvedConfig, roles: readonly StartRole[], control: ControlComponents, log: Logger): StartPlan {
  const s = config.start ?? {};
  const out: Component[] = [];
  for (const role of [...roles].sort((a, b) => START_ROLES.indexOf(b) - START_ROLES.indexOf(a))) {
    switch (role) {
      case 'migrate': {
        const source = s.migrate?.source ?? DEFAULT_SOURCE;
        out.push(migrateComponent({
          config, source, slot: s.migrate?.slot ?? defaultSlotName(source), method: s.migrate?.method ?? null,
          backfill: s.migrate?.backfill ?? true,
          ...(s.migrate?.batchSize !== undefined ? { batchSize: s.migrate.batchSize } : {}),
          ...(s.migrate?.chunkSize !== undefined ? { chunkSize: s.migrate.chunkSize } : {}),
          ...(s.migrate?.capturePollMs !== undefined ? { capturePollMs: s.migrate.capturePollMs } : {}),
        }));
        break;
      }
      case 'gateway': {
        const legacy = config.legacy.http, next = config.next.http;
        if (!legacy) throw new StartConfigError('the gateway role needs the legacy HTTP origin', 'legacy.http');
        if (!next) throw new StartConfigError('the gateway role needs the next HTTP origin', 'next.http');
        out.push(gatewayComponent({
          gateway: { legacy, next }, port: s.gateway?.port ?? DEFAULT_GATEWAY_PORT, host: s.gateway?.host ?? '127.0.0.1',
          stateUrl: config.state, diff: s.gateway?.diff ?? true,
        }, log.child({ component: 'gateway' })));
        break;
      }
      case 'control': {
        const parts = control.create(config, log);
        if (parts.length === 0) throw new StartConfigError('no control component is available in this build (admin API, canary analysis)', '--role control');
        out.push(...parts);
        break;
      }
      default: assertNever(role, 'role');
    }
  }
  return { roles, components: out };
}
