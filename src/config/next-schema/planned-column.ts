import type { ColumnInfo } from '../../backends/types.js';
import { postgresLogicalType } from '../../backends/postgres/values.js';
import { postgresLimits } from '../../backends/sql/column-limits.js';
import { precisionScale, sqliteLogicalType } from '../../backends/sqlite/types.js';

const PG_BASE: Record<string, string> = {
  smallint: 'int2', integer: 'int4', bigint: 'int8', real: 'float4', 'double precision': 'float8', numeric: 'numeric',
  varchar: 'varchar', char: 'bpchar', text: 'text', boolean: 'bool', date: 'date', time: 'time', timestamp: 'timestamp',
  timestamptz: 'timestamptz', bytea: 'bytea', jsonb: 'jsonb', json: 'json', uuid: 'uuid',
};

/**
 * The column a DDL type text describes, as introspection would give it: the planned columns and next's actual ones
 * then compare field by field (type, length, width, precision).
 */
export function plannedColumn(name: string, ddl: string, nullable: boolean, dialect: 'postgres' | 'sqlite'): ColumnInfo {
  if (dialect === 'sqlite') {
    const type = sqliteLogicalType(ddl);
    return { name, type, nativeType: ddl, nullable, ...(type === 'dec' ? precisionScale(ddl) : {}) };
  }
  const m = /^([a-z ]+?)\s*(?:\((\d+)(?:,(\d+))?\))?$/.exec(ddl);
  const base = PG_BASE[m?.[1] ?? ''] ?? 'text';
  const type = postgresLogicalType(base);
  const n = m?.[2] !== undefined ? Number(m[2]) : undefined;
  const typmod = n !== undefined && (base === 'varchar' || base === 'bpchar') ? n + 4 : -1;
  const ps = type === 'dec' && n !== undefined ? { precision: n, scale: Number(m?.[3] ?? 0) } : {};
  return { name, type, nativeType: ddl, nullable, ...ps, ...postgresLimits(base, base === 'bpchar' && n === undefined ? 5 : typmod) };
}
