import { SiphonError } from '../errors.js';

/** Base of aspire's errors. Results carry failures as values (`outcome: 'failed'`); these are thrown at setup/usage. */
export class AspireError extends SiphonError {}

/** An entity name the configuration does not declare. Exit code 2 in the CLI. */
export class AspireUnknownEntityError extends AspireError {
  constructor(entity: string, known: readonly string[]) {
    super('ASPIRE_UNKNOWN_ENTITY', `unknown entity "${entity}": the configuration declares ${known.length ? known.join(', ') : 'no entities'}`, { entity, known });
  }
}

/** A key that is not a value of the entity root's key column. Exit code 2 in the CLI. */
export class AspireBadKeyError extends AspireError {
  constructor(entity: string, key: string, detail: string) {
    super('ASPIRE_BAD_KEY', `"${key}" is not a key of entity ${entity}: ${detail}`, { entity, key });
  }
}

/** An entity aspire cannot take in one chunk as configured (a member table keyed by a function, a composite root key...). */
export class AspireConfigError extends AspireError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('ASPIRE_CONFIG', message, context);
  }
}

/** The usage codes the CLI maps to exit 2. */
export const ASPIRE_USAGE_CODES = ['ASPIRE_UNKNOWN_ENTITY', 'ASPIRE_BAD_KEY', 'ASPIRE_CONFIG'] as const;
