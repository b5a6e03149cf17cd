import type { Dialect } from '../backends/types.js';
import { assertNever } from '../errors.js';
import type { CaptureMethod } from './types.js';

/** The log-based method an engine offers, else triggers. (Kept apart from open.ts: no capture source is loaded.) */
export function defaultMethod(dialect: Dialect): CaptureMethod {
  switch (dialect) {
    case 'sqlite': return 'trigger';
    case 'mysql': return 'binlog';
    case 'postgres': return 'pgoutput';
    default: return assertNever(dialect, 'dialect');
  }
}
