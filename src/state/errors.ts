import { SiphonError } from '../errors.js';

/** Base of every state store error. */
export class StateError extends SiphonError {}

/** `saveCheckpoint(name, expected, next)` found another position than `expected`: someone else moved it. */
export class CheckpointConflictError extends StateError {
  constructor(name: string, expected: string | null, actual: string | null) {
    super(
      'STATE_CHECKPOINT_CONFLICT',
      `checkpoint "${name}" is at ${actual === null ? '(none)' : `"${actual}"`}, not at the expected ${expected === null ? '(none)' : `"${expected}"`}: another consumer moved it; re-read it and resume from there`,
      { name, expected, actual },
    );
  }
}

/** The store was migrated by a newer Siphon: opening it with older code could corrupt it. */
export class StateSchemaTooNewError extends StateError {
  constructor(location: string, storeVersion: number, codeVersion: number, unknownIds: readonly number[]) {
    super(
      'STATE_SCHEMA_TOO_NEW',
      `state store ${location} has schema version ${storeVersion} but this Siphon knows migrations up to ${codeVersion} (unknown: ${unknownIds.join(', ')}); upgrade Siphon or use another state store`,
      { location, storeVersion, codeVersion, unknownIds },
    );
  }
}

/** A schema migration failed; the transaction rolled back, the store is still at the previous version. */
export class StateMigrationError extends StateError {
  constructor(location: string, migrationId: number, description: string, cause: unknown) {
    super(
      'STATE_MIGRATION_FAILED',
      `state store ${location}: migration ${migrationId} (${description}) failed: ${(cause as Error)?.message ?? String(cause)}`,
      { location, migrationId, description },
      { cause },
    );
  }
}

/** The store could not be opened (unreachable server, missing database, unwritable file...). */
export class StateOpenError extends StateError {
  constructor(location: string, cause: unknown) {
    super('STATE_OPEN_FAILED', `cannot open state store ${location}: ${(cause as Error)?.message ?? String(cause)}`, { location }, { cause });
  }
}

/**
 * A reading command named a state store that does not exist (a mistyped `sqlite:` path or schema). Opening for read
 * never creates a store, its folder or its schema: an empty store reported as fine would hide the typo.
 */
export class StateNotFoundError extends StateError {
  constructor(location: string, detail: string) {
    super('STATE_NOT_FOUND', `no state store at ${location}: ${detail} (a reading command never creates one; check the URL)`, { location, detail });
  }
}

export class RouteNotFoundError extends StateError {
  constructor(id: string, existing: readonly string[]) {
    super('STATE_ROUTE_NOT_FOUND', `route "${id}" does not exist; routes are ${existing.join(', ') || '(none)'}`, { id, existing });
  }
}

/** Bad input to a store method; `where` is the path of the bad field, e.g. `setRoutes: routes[2].canaryPercent`. */
export class StateInputError extends StateError {
  constructor(where: string, expected: string, found: unknown) {
    super('STATE_INVALID_INPUT', `${where}: expected ${expected}, found ${describe(found)}`, { where, expected });
  }
}

export class UnsupportedStateUrlError extends StateError {
  constructor(url: string) {
    super('STATE_UNSUPPORTED_URL', `state store URL "${url}" is not supported: expected sqlite:PATH or postgres://…`, { url });
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}
