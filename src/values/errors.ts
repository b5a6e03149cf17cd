import { SiphonError } from '../errors.js';
import type { InvalidReason } from './value.js';

/** A value could not be given a canonical form. `reason` matches the `invalid` value kinds. */
export class ValueError extends SiphonError {
  constructor(readonly reason: InvalidReason | 'type-mismatch', message: string, context: Record<string, unknown> = {}) {
    super(`VALUE_${reason.toUpperCase().replace(/-/g, '_')}`, message, { reason, ...context });
  }
}
