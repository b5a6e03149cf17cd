import type { LogicalType } from '../../values/logical-type.js';

/**
 * Logical type of a MariaDB/MySQL column from information_schema.COLUMNS (DATA_TYPE, COLUMN_TYPE). `jsonChecked`:
 * MariaDB stores JSON as LONGTEXT with a json_valid() CHECK constraint, found by the introspection.
 */
export function mysqlLogicalType(dataType: string, columnType: string, jsonChecked = false): LogicalType {
  const dt = dataType.toLowerCase();
  switch (dt) {
    case 'tinyint': return /^tinyint\(1\)/i.test(columnType) ? 'bool' : 'int';
    case 'bool': case 'boolean': return 'bool';
    case 'smallint': case 'mediumint': case 'int': case 'integer': case 'bigint': case 'year': return 'int';
    case 'decimal': case 'numeric': return 'dec';
    case 'float': case 'double': case 'real': return 'float';
    case 'char': case 'varchar': case 'tinytext': case 'text': case 'mediumtext': case 'longtext':
      return jsonChecked ? 'json' : 'text';
    case 'enum': case 'set': case 'bit': case 'uuid': case 'inet4': case 'inet6': return 'text';
    case 'binary': case 'varbinary': case 'tinyblob': case 'blob': case 'mediumblob': case 'longblob': return 'bytes';
    // spatial values as the server stores and returns them (4-byte SRID + WKB): exact, and the same from SELECT,
    // triggers (HEX) and the binary log
    case 'geometry': case 'point': case 'linestring': case 'polygon': case 'multipoint': case 'multilinestring':
    case 'multipolygon': case 'geometrycollection': return 'bytes';
    case 'date': return 'date';
    case 'time': return 'time';
    case 'datetime': return 'lts';
    case 'timestamp': return 'ts';
    case 'json': return 'json';
    default: return 'unknown';
  }
}

// Protocol column types (mysql2 Types) of result fields, for raw queries.
const T = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9, DATE: 10,
  TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248,
  TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;

export const BINARY_CHARSET_ID = 63;

/** Logical type and a native type name of a result field (protocol type, length, collation id). */
export function mysqlFieldType(columnType: number, columnLength: number, characterSet: number): { type: LogicalType; nativeType: string } {
  switch (columnType) {
    case T.TINY: return columnLength === 1 ? { type: 'bool', nativeType: 'tinyint(1)' } : { type: 'int', nativeType: 'tinyint' };
    case T.SHORT: case T.LONG: case T.LONGLONG: case T.INT24: case T.YEAR: return { type: 'int', nativeType: 'int' };
    case T.DECIMAL: case T.NEWDECIMAL: return { type: 'dec', nativeType: 'decimal' };
    case T.FLOAT: case T.DOUBLE: return { type: 'float', nativeType: 'double' };
    case T.TIMESTAMP: return { type: 'ts', nativeType: 'timestamp' };
    case T.DATE: case T.NEWDATE: return { type: 'date', nativeType: 'date' };
    case T.TIME: return { type: 'time', nativeType: 'time' };
    case T.DATETIME: return { type: 'lts', nativeType: 'datetime' };
    case T.BIT: return { type: 'text', nativeType: `bit(${columnLength})` };
    case T.JSON: return { type: 'json', nativeType: 'json' };
    case T.NULL: return { type: 'unknown', nativeType: 'null' };
    case T.GEOMETRY: return { type: 'bytes', nativeType: 'geometry' };
    case T.VARCHAR: case T.VAR_STRING: case T.STRING: case T.ENUM: case T.SET:
    case T.TINY_BLOB: case T.MEDIUM_BLOB: case T.LONG_BLOB: case T.BLOB:
      return characterSet === BINARY_CHARSET_ID ? { type: 'bytes', nativeType: 'varbinary' } : { type: 'text', nativeType: 'varchar' };
    default: return { type: 'unknown', nativeType: `type ${columnType}` };
  }
}
