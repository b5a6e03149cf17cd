import { SiphonError } from '../errors.js';

/** The demo was given something it must not touch or cannot use (a database holding other tables): exit 2. */
export class DemoUsageError extends SiphonError {
  constructor(message: string) {
    super('DEMO_USAGE', message);
  }
}
