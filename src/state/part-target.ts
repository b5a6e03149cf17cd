import { parseConnectionUrl, redactUrl } from '../backends/url.js';
import { UnsupportedStateUrlError } from './errors.js';

/** PostgreSQL schema of the state store when the URL does not name one (`?schema=`). */
export const DEFAULT_STATE_SCHEMA = 'siphon_state';

/** Where a state store (or one of its parts: verify results, aspire flights, canary analysis) lives. */
export type StateTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string };

/**
 * The state store's URL resolved once for every opener: `sqlite:PATH` or `postgres://…[?schema=NAME]`. `schema` is
 * ours, not a libpq parameter (PostgreSQL would refuse it as an unknown startup option): taken out of the URL.
 */
export function stateTarget(url: string, schema?: string): StateTarget {
  const parsed = parseConnectionUrl(url);
  switch (parsed.kind) {
    case 'sqlite':
      return { kind: 'sqlite', path: parsed.path };
    case 'postgres': {
      const u = new URL(parsed.url);
      const named = schema ?? u.searchParams.get('schema') ?? DEFAULT_STATE_SCHEMA;
      u.searchParams.delete('schema');
      return { kind: 'postgres', connectionString: u.toString(), schema: named };
    }
    case 'mysql':
    case 'nats':
      throw new UnsupportedStateUrlError(redactUrl(url));
  }
}
