import { describe, expect, it } from 'vitest';
import { ConnectionError, QueryError, retryableEngineError } from '../../src/backends/errors.js';
import { wrapDriverError } from '../../src/backends/sql/connection-errors.js';
import { isRetryable, SiphonError } from '../../src/errors.js';

const driver = (code: string) => Object.assign(new Error(`engine says ${code}`), { code });

describe('errors say whether a retry can help', () => {
  it('contention and lost sessions are retryable, on every engine', () => {
    for (const code of ['40001', '40P01', '55P03', '57014', '08006', '53300', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT']) {
      expect(retryableEngineError(driver(code)), code).toBe(true);
      expect(isRetryable(new QueryError('db', 'UPDATE t', driver(code))), code).toBe(true);
    }
  });

  it('constraint, type and value errors are not', () => {
    for (const code of ['23505', '23503', '23502', '22P02', '22003', '42P01', 'ER_DUP_ENTRY', 'ER_NO_REFERENCED_ROW_2', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_FOREIGNKEY', 'SQLITE_ERROR']) {
      expect(isRetryable(new QueryError('db', 'INSERT', driver(code))), code).toBe(false);
    }
    expect(isRetryable(new QueryError('db', 'INSERT', new Error('no code')))).toBe(false);
  });

  it('connection failures are retryable; errors Siphon did not classify are not; the message plays no part', () => {
    expect(isRetryable(wrapDriverError('db', 'SELECT 1', driver('ECONNREFUSED')))).toBe(true);
    expect(isRetryable(new ConnectionError('db', new Error('down')))).toBe(true);
    expect(isRetryable(new Error('deadlock detected'))).toBe(false);
    expect(isRetryable(new SiphonError('X', 'serialization failure'))).toBe(false);
    expect(new SiphonError('X', 'm', {}, { retryable: true }).retryable).toBe(true);
  });
});
