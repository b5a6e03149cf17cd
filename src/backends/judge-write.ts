import type { ColumnInfo, Dialect } from './types.js';
import type { Value } from '../values/value.js';
import { WriteValueError } from './errors.js';
import { toMysql } from './mysql/values.js';
import { toPostgres } from './postgres/values.js';
import { toSqlite } from './sqlite/values.js';
import { assertNever } from '../errors.js';

/**
 * The write judgment of an engine, without a database: runs the very encoder `upsert` runs for a column (invalid
 * values, instant/local mix-ups, precision, range, length, charset — see `sql/fit.ts`) and returns why the value
 * would not be written unchanged, or undefined when it would. The dry run calls this, so its verdict is the write's.
 */
export function judgeWrite(dialect: Dialect, value: Value, column: ColumnInfo, table: string): string | undefined {
  try {
    switch (dialect) {
      case 'postgres': toPostgres(value, column, table, 'write'); break;
      case 'mysql': toMysql(value, column, table, 'write'); break;
      case 'sqlite': toSqlite(value, column, table, 'write'); break;
      default: return assertNever(dialect, 'dialect');
    }
    return undefined;
  } catch (e) {
    if (e instanceof WriteValueError) return e.message.slice(`${table}.${column.name}: `.length);
    throw e;
  }
}
