import { pino, type Logger } from 'pino';

/**
 * JSON logs (pino) with secrets and personal data kept out:
 * - fields that hold secrets by name (`password`, `token`, `authorization`, cookies...) are censored by pino's
 *   redaction, at any of the first three levels of nesting;
 * - personal-data fields named in the config (`start.logs.redact`, set once per process with `configureLogs`) too;
 * - every string that reaches the line (the message and any field value, nested) is scrubbed of credentials:
 *   the password of a connection URL (`postgres://u:***@h/db`), bearer/basic tokens, `password=`/`token=` query
 *   parameters. Errors are logged through their message, so a driver error quoting a URL is scrubbed too.
 * Level from SIPHON_LOG_LEVEL (default info; `silent` under vitest).
 */
const SECRET_FIELDS = ['password', 'passwd', 'pass', 'token', 'secret', 'authorization', 'cookie', 'set-cookie', 'apiKey', 'api_key', 'accessToken', 'adminToken', 'jwtSecret'];

/** Paths for a field name at the top level and nested up to three levels (pino's `*` is one level). */
function pathsFor(field: string): string[] {
  if (/[.[\]*]/.test(field)) return [field];
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key, join('*'), join('*.*'), join('*.*.*')];
}

export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap(pathsFor);

const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/g;
const SECRET_PARAM = /([?&;\s](?:password|passwd|pwd|token|secret|access_token|api_key|apikey)=)[^&\s;]+/gi;

/** A text with the credentials it may quote replaced by `***` (URL passwords, bearer tokens, secret parameters). */
export function redactSecrets(text: string): string {
  if (text.length < 8) return text;
  return text.replace(URL_PASSWORD, '$1***@').replace(AUTH_SCHEME, '$1 ***').replace(SECRET_PARAM, '$1***');
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: redactSecrets(value.message), ...('code' in value ? { code: (value as { code?: unknown }).code } : {}) };
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

let personalFields: readonly string[] = [];

/** Personal-data fields to censor in every logger created afterwards (from the config's `start.logs.redact`). */
export function configureLogs(o: { redact?: readonly string[] }): void {
  personalFields = [...(o.redact ?? [])];
}

export function createLogger(name: string, destination?: NodeJS.WritableStream): Logger {
  const level = process.env.SIPHON_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  const paths = [...REDACT_PATHS, ...personalFields.flatMap(pathsFor)];
  const opts: pino.LoggerOptions = {
    name, level, redact: { paths, censor: '***' }, base: { pid: process.pid },
    formatters: { log: (o) => scrub(o, 0) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactSecrets(args[i] as string);
        return method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(opts, destination as pino.DestinationStream) : pino(opts, pino.destination(2));
}

export type { Logger };
