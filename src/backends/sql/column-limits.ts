import type { ColumnInfo } from '../types.js';

/** The write limits of a column (see ColumnInfo): what introspection adds beside the logical type. */
export type ColumnLimits = Pick<ColumnInfo, 'maxLength' | 'fixedLength' | 'integerBytes' | 'unsigned' | 'floatBits'>;

const N = (s: string | undefined) => (s === undefined ? undefined : Number(s));

/** PostgreSQL: by the base type name and its type modifier (varchar/bpchar: n + 4). */
export function postgresLimits(typname: string, typmod: number): ColumnLimits {
  switch (typname) {
    case 'int2': return { integerBytes: 2 };
    case 'int4': return { integerBytes: 4 };
    case 'int8': return { integerBytes: 8 };
    case 'float4': return { floatBits: 32 };
    case 'float8': return { floatBits: 64 };
    case 'varchar': return typmod >= 4 ? { maxLength: typmod - 4 } : {};
    case 'bpchar': return { maxLength: typmod >= 4 ? typmod - 4 : 1, fixedLength: true };
    default: return {};
  }
}

const MYSQL_INT: Record<string, 1 | 2 | 3 | 4 | 8> = { tinyint: 1, smallint: 2, mediumint: 3, int: 4, integer: 4, bigint: 8 };

/** MariaDB/MySQL: by DATA_TYPE and COLUMN_TYPE (`int(10) unsigned`, `varchar(40)`, `binary(16)`). */
export function mysqlLimits(dataType: string, columnType: string): ColumnLimits {
  const dt = dataType.toLowerCase();
  const n = N(/\((\d+)\)/.exec(columnType)?.[1]);
  const unsigned = /\bunsigned\b/i.test(columnType);
  if (dt in MYSQL_INT) return { integerBytes: MYSQL_INT[dt]!, ...(unsigned ? { unsigned } : {}) };
  switch (dt) {
    case 'float': return { floatBits: 32 };
    case 'double': case 'real': return { floatBits: 64 };
    case 'varchar': case 'varbinary': return n !== undefined ? { maxLength: n } : {};
    case 'char': case 'binary': return { maxLength: n ?? 1, fixedLength: true };
    default: return {};
  }
}
