import { SiphonError } from '../../errors.js';

/** The `start` section of the config, or a flag of `siphon start`, is invalid: `where` names it. */
export class StartConfigError extends SiphonError {
  constructor(message: string, where: string) {
    super('CONFIG_START', `${where}: ${message}`, { where });
  }
}

/** A supervised component could not start or failed while running (the supervisor restarts it). */
export class ComponentFailedError extends SiphonError {
  constructor(readonly component: string, cause: unknown) {
    super('START_COMPONENT_FAILED', `${component}: ${(cause as Error)?.message ?? String(cause)}`, { component }, { cause });
  }
}

/** The health/metrics port cannot listen. */
export class HealthListenError extends SiphonError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    super('START_HEALTH_LISTEN', `cannot listen on ${host}:${port} (start.health.port): ${cause.code ?? cause.message}`,
      { host, port, errno: cause.code }, { cause });
  }
}
