import { SiphonError } from '../errors.js';

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
/** The command ran and found problems (unreachable backend, capture not possible, failed checks...). */
export const EXIT_PROBLEMS = 1;
/** Bad usage or bad configuration: nothing was attempted. */
export const EXIT_USAGE = 2;

/**
 * Error codes that mean the user asked for something wrong (a bad flag value, URL, offset, route id, a store or log
 * that is not where they said): the fix is in the command line or the config, not in the systems. `CONFIG_*` too.
 */
const USAGE_CODES: ReadonlySet<string> = new Set([
  'BACKEND_UNSUPPORTED_URL', 'STATE_UNSUPPORTED_URL', 'STATE_NOT_FOUND', 'STATE_ROUTE_NOT_FOUND', 'STATE_INVALID_INPUT',
  'LOG_NOT_FOUND', 'LOG_INVALID_NAME', 'LOG_INVALID_OFFSET', 'LOG_REPLAY_RANGE', 'GATEWAY_ROUTE_CONTROL',
  // the admin API refused the request itself: no token, a read-only one for a change, a malformed request
  'ADMIN_BAD_REQUEST', 'ADMIN_UNAUTHORIZED', 'ADMIN_FORBIDDEN',
  'ANALYSIS_CANARY_STATE',
  'ASPIRE_UNKNOWN_ENTITY', 'ASPIRE_BAD_KEY', 'ASPIRE_CONFIG',
]);

/** The exit code for an error that ended a command: 2 for usage errors, 1 for everything else. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof SiphonError && (e.code.startsWith('CONFIG_') || USAGE_CODES.has(e.code))) return EXIT_USAGE;
  return EXIT_PROBLEMS;
}
