export * from './types.js';
export * from './errors.js';
export * from './url.js';
export { openDatabase, type OpenOptions } from './open.js';
export { fromSqlite, toSqlite, byStorageClass as fromSqliteStorageClass } from './sqlite/values.js';
export { sqliteLogicalType } from './sqlite/types.js';
