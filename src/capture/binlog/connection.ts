import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'mysql2';
import { parseConnectionUrl } from '../../backends/url.js';

/**
 * mysql2 options for zongji's connections, from a mysql:// URL. Row values are decoded like the adapter's reads:
 * dates as strings (zero dates survive), TIMESTAMP formatted in UTC, big integers and decimals as exact strings.
 */
export function zongjiConnection(url: string): ConnectionOptions {
  const parsed = parseConnectionUrl(url);
  if (parsed.kind !== 'mysql') throw new Error(`binlog capture needs a mysql:// or mariadb:// URL`);
  const u = new URL(parsed.url);
  return {
    host: u.hostname, port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    dateStrings: true, timezone: 'Z', supportBigNumbers: true, bigNumberStrings: true, charset: 'utf8mb4',
  } as ConnectionOptions;
}

/** A replica server id in [1000, 2^31): stable for a source, distinct between sources. */
export function serverIdFor(source: string, schema: string): number {
  const h = createHash('sha256').update(`${source}\0${schema}`).digest();
  return 1000 + (h.readUInt32BE(0) % (2 ** 31 - 1000));
}
