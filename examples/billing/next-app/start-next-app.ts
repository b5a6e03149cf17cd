/** The next billing HTTP app over the clean schema (PostgreSQL or SQLite), same contract as legacy, with fault switches. */
import type { Database } from '../../../src/backends/types.js';
import type { Faults } from '../http/faults.js';
import type { RunningApp } from '../http/server.js';
import { startBillingServer } from '../http/server.js';
import { NextRepo } from './next-repo.js';

export interface NextAppOptions {
  /** An open database holding the next schema (see next/schema.ts); the caller closes it. */
  readonly db: Database;
  readonly port?: number;
  readonly host?: string;
  /** Injected differences (renamed field, rounding, wrong status, slow, 5xx, hang); changeable at run time. */
  readonly faults?: Faults;
  /** Enables PUT/GET /_admin/faults with `Authorization: Bearer <adminToken>`. */
  readonly adminToken?: string;
}

export function startNextApp(o: NextAppOptions): Promise<RunningApp> {
  return startBillingServer({ app: 'next', repo: new NextRepo(o.db), port: o.port ?? 0, host: o.host ?? '127.0.0.1', faults: o.faults ?? {}, ...(o.adminToken ? { adminToken: o.adminToken } : {}) });
}
