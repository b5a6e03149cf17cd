/** The legacy billing HTTP app over the legacy schema (SQLite or MariaDB). */
import type { Database } from '../../../src/backends/types.js';
import type { Faults } from '../http/faults.js';
import type { RunningApp } from '../http/server.js';
import { startBillingServer } from '../http/server.js';
import { LegacyRepo } from './legacy-repo.js';

export interface LegacyAppOptions {
  /** An open database holding the legacy schema (openDatabase('sqlite:…' | 'mysql://…')); the caller closes it. */
  readonly db: Database;
  /** 0 or absent: a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The legacy app can be made slow or failing too (a struggling legacy is a scenario of its own). */
  readonly faults?: Faults;
  readonly adminToken?: string;
}

export function startLegacyApp(o: LegacyAppOptions): Promise<RunningApp> {
  return startBillingServer({ app: 'legacy', repo: new LegacyRepo(o.db), port: o.port ?? 0, host: o.host ?? '127.0.0.1', faults: o.faults ?? {}, ...(o.adminToken ? { adminToken: o.adminToken } : {}) });
}
