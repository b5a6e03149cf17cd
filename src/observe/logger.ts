import { pino, type Logger } from 'pino';

/**
 * JSON logs (pino). Secrets never reach logs: known secret fields are redacted, and connection URLs must be passed
 * through `redactUrl` before logging. Level from SIPHON_LOG_LEVEL (default info; `silent` in tests).
 */
export const REDACT_PATHS = [
  'password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization',
  'headers.cookie', '*.headers.authorization', '*.headers.cookie', 'secret', '*.secret',
];

export function createLogger(name: string, destination?: NodeJS.WritableStream): Logger {
  const level = process.env.SIPHON_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  const opts = { name, level, redact: { paths: REDACT_PATHS, censor: '***' }, base: { pid: process.pid } };
  return destination ? pino(opts, destination as pino.DestinationStream) : pino(opts, pino.destination(2));
}

export type { Logger };
