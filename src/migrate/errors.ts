import { SiphonError } from '../errors.js';

/** Base of the errors of `siphon migrate`, `siphon status`, `siphon backfill pause|resume` and `siphon reapply`. */
export class MigrateError extends SiphonError {}

/** Bad usage of a migrate command (no config, unknown table, bad key range). Exit code 2 in the CLI. */
export class MigrateConfigError extends MigrateError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('CONFIG_MIGRATE', message, context);
  }
}

/** A store `siphon status` reads does not exist: reading never creates it, so migrate never ran with this config. */
export class NotStartedError extends MigrateError {
  constructor(what: string, location: string) {
    super('MIGRATE_NOT_STARTED', `no ${what} at ${location}: "siphon migrate" has not run with this configuration (status never creates what it reads)`, { what, location });
  }
}

/** A part of the migration process failed (capture, apply or backfill); the process stopped at its last checkpoint. */
export class MigrationFailedError extends MigrateError {
  constructor(part: 'capture' | 'apply' | 'backfill', cause: Error) {
    super('MIGRATE_FAILED', `${part} failed: ${cause.message} (stopped at the last checkpoint; fix the cause and run "siphon migrate" again to resume)`, { part }, { cause });
  }
}
