export * from './types.js';
export * from './errors.js';
export * from './url.js';
export { openDatabase, type OpenOptions } from './open.js';
// Per-dialect value decoders/encoders: capture (binlog, logical decoding, triggers) must produce the same canonical
// values as a SELECT through the adapters, so it uses these very functions. None of these modules loads a driver.
export { fromSqlite, toSqlite, byStorageClass as fromSqliteStorageClass, type SqliteRaw } from './sqlite/values.js';
export { sqliteLogicalType, affinityOf as sqliteAffinity } from './sqlite/types.js';
export { fromPostgresText, toPostgres, postgresLogicalType, postgresOidType } from './postgres/values.js';
export { fromMysql, toMysql, isZeroDate, type MysqlRaw, type MysqlColumn } from './mysql/values.js';
export { decodeMysqlText, decodeCp1252, type DecodeTextOptions } from './mysql/charset.js';
export { mysqlLogicalType, mysqlFieldType } from './mysql/types.js';
export { scanPlaceholders, toDollarPlaceholders } from './sql/placeholders.js';
// The write judgment (range, precision, length, charset...) shared by the encoders and the dry run.
export { judgeWrite } from './judge-write.js';
export { checkFits } from './sql/fit.js';
