import type { Database } from '../backends/types.js';
import { assertNever } from '../errors.js';
import { BinlogCapture, type BinlogOptions } from './binlog/source.js';
import { CaptureConfigError } from './errors.js';
import { PgoutputCapture, type PgoutputOptions } from './pgoutput/source.js';
import { TriggerCapture } from './trigger/source.js';
import { defaultMethod } from './method.js';
import type { CaptureMethod, CaptureSource } from './types.js';

export type AnyCaptureOptions = BinlogOptions & PgoutputOptions;

export { defaultMethod };

/**
 * A capture source for a legacy database. `url` is the legacy connection URL (binlog and pgoutput open their own
 * replication connections with it); `db` the adapter opened on it (introspection, triggers, status queries).
 */
export function createCapture(db: Database, url: string, method: CaptureMethod, options: AnyCaptureOptions): CaptureSource {
  switch (method) {
    case 'trigger':
      if (!db.capabilities.triggers) throw new CaptureConfigError(`${db.displayUrl} does not support trigger capture`);
      return new TriggerCapture(db, options);
    case 'binlog':
      if (db.dialect !== 'mysql') throw new CaptureConfigError(`binlog capture needs a MariaDB/MySQL legacy database, not ${db.dialect} (${db.displayUrl}); use --method ${defaultMethod(db.dialect)}`);
      return new BinlogCapture(db, url, options);
    case 'pgoutput':
      if (db.dialect !== 'postgres') throw new CaptureConfigError(`pgoutput capture needs a PostgreSQL legacy database, not ${db.dialect} (${db.displayUrl}); use --method ${defaultMethod(db.dialect)}`);
      return new PgoutputCapture(db, url, options);
    default:
      return assertNever(method, 'capture method');
  }
}
