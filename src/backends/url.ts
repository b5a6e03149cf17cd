import { UnsupportedUrlError } from './errors.js';

export type ParsedUrl =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'mysql'; readonly url: string }
  | { readonly kind: 'nats'; readonly servers: string[]; readonly url: string };

const EXPECTED = 'sqlite:PATH, postgres://…, mysql://… or mariadb://…, nats://…';

/**
 * Expand `${VAR}` references from the environment, so secrets stay out of config files. A missing variable is an
 * error naming it (its value is never printed).
 */
export function expandEnv(url: string, env: NodeJS.ProcessEnv = process.env): string {
  return url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new UnsupportedUrlError(redactUrl(url), `environment variable ${name} to be set`);
    return encodeURIComponent(v);
  });
}

export function parseConnectionUrl(raw: string): ParsedUrl {
  const url = expandEnv(raw);
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new UnsupportedUrlError(raw, 'a file path after sqlite: (or sqlite::memory:)');
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (/^(mysql|mariadb):\/\//.test(url)) return { kind: 'mysql', url: url.replace(/^mariadb:/, 'mysql:') };
  if (url.startsWith('nats://')) {
    const servers = url.slice('nats://'.length).split(',').map((s) => s.replace(/\/.*$/, ''));
    return { kind: 'nats', servers, url };
  }
  throw new UnsupportedUrlError(redactUrl(raw), EXPECTED);
}

/** The URL with any password replaced by `***`, safe for logs and output. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)([^@]*)@/i, '$1***@').replace(/([?&](password|pass|pwd)=)[^&]*/gi, '$1***');
}
