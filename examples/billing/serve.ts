/**
 * `npm run billing:serve -- [--legacy-db URL] [--next-db URL] [--legacy-port P] [--next-port P]`
 * Runs the legacy and/or next billing app until Ctrl-C. Faults of the next app come from BILLING_FAULT_* /
 * BILLING_FAULTS; the admin endpoint is on when BILLING_ADMIN_TOKEN is set.
 */
import { Command, InvalidArgumentError } from 'commander';
import { openDatabase } from '../../src/backends/open.js';
import type { Database } from '../../src/backends/types.js';
import { faultsFromEnv } from './http/faults.js';
import type { RunningApp } from './http/server.js';
import { startLegacyApp } from './legacy-app/start-legacy-app.js';
import { startNextApp } from './next-app/start-next-app.js';

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`a port must be 0..65535, got "${v}"`);
  return n;
};

async function main(argv: string[]): Promise<number> {
  const program = new Command('billing:serve')
    .option('--legacy-db <url>', 'legacy database (sqlite:PATH or mysql://…)')
    .option('--next-db <url>', 'next database (sqlite:PATH or postgres://…)')
    .option('--legacy-port <port>', 'legacy app port (0: free port)', port, 0)
    .option('--next-port <port>', 'next app port (0: free port)', port, 0)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .exitOverride();
  try { program.parse(argv); } catch { return 2; }
  const o = program.opts<{ legacyDb?: string; nextDb?: string; legacyPort: number; nextPort: number; host: string }>();
  if (!o.legacyDb && !o.nextDb) { process.stderr.write('billing:serve: give --legacy-db and/or --next-db\n'); return 2; }
  const token = process.env.BILLING_ADMIN_TOKEN;
  const dbs: Database[] = [];
  const apps: RunningApp[] = [];
  try {
    const faults = faultsFromEnv();
    if (o.legacyDb) {
      const db = await openDatabase(o.legacyDb); dbs.push(db);
      const app = await startLegacyApp({ db, port: o.legacyPort, host: o.host, ...(token ? { adminToken: token } : {}) }); apps.push(app);
      process.stdout.write(`legacy app ${app.url} over ${db.displayUrl}\n`);
    }
    if (o.nextDb) {
      const db = await openDatabase(o.nextDb); dbs.push(db);
      const app = await startNextApp({ db, port: o.nextPort, host: o.host, faults, ...(token ? { adminToken: token } : {}) }); apps.push(app);
      process.stdout.write(`next app   ${app.url} over ${db.displayUrl}${Object.keys(faults).length ? ` faults ${JSON.stringify(faults)}` : ''}\n`);
    }
  } catch (e) {
    process.stderr.write(`billing:serve: ${(e as Error).message}\n`);
    for (const a of apps) await a.close();
    for (const d of dbs) await d.close();
    return 1;
  }
  await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
  for (const a of apps) await a.close();
  for (const d of dbs) await d.close();
  return 0;
}

process.exitCode = await main(process.argv);
