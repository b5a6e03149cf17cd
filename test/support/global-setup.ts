import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { MY_ADMIN_URL, PG_ADMIN_URL } from './services.js';

// Integration tests never skip silently: if a service is missing we try to bring it up with scripts/services.sh,
// and if it still is not there the whole run fails with the reason.

async function probe(): Promise<string[]> {
  const missing: string[] = [];
  try {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    const r = await c.query('SHOW wal_level');
    await c.end();
    if (r.rows[0]?.wal_level !== 'logical') missing.push('PostgreSQL wal_level=logical');
  } catch (e) { missing.push(`PostgreSQL (${(e as Error).message})`); }
  try {
    const c = await mysql.createConnection({ uri: MY_ADMIN_URL, connectTimeout: 3000 });
    const [rows] = await c.query('SELECT @@log_bin AS b, @@binlog_format AS f, @@binlog_row_image AS i');
    await c.end();
    const r = (rows as Array<{ b: number; f: string; i: string }>)[0];
    if (!(r && Number(r.b) === 1 && r.f === 'ROW' && r.i === 'FULL')) missing.push('MariaDB binary log ROW/FULL');
  } catch (e) { missing.push(`MariaDB (${(e as Error).message})`); }
  const natsUp = await new Promise<boolean>((resolve) => {
    const s = connect(4222, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  if (!natsUp) missing.push('NATS on 127.0.0.1:4222');
  return missing;
}

export default async function setup(): Promise<void> {
  let missing = await probe();
  if (missing.length > 0) {
    try { execFileSync('bash', ['scripts/services.sh'], { stdio: 'inherit' }); } catch { /* reported below */ }
    missing = await probe();
  }
  if (missing.length > 0) {
    throw new Error(`services missing for integration tests: ${missing.join('; ')}. Run: bash scripts/services.sh`);
  }
}
