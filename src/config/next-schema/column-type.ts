import type { ColumnInfo, Dialect } from '../../backends/types.js';
import type { LogicalType } from '../../values/logical-type.js';

/**
 * The next column type that holds every value of a legacy column unchanged (as far as the engine can): integer
 * widths widened where PostgreSQL has no unsigned type, decimals with their precision and scale, varchar/char
 * lengths kept, instants and local date-times kept apart. Values that still cannot fit (a MariaDB TIME beyond 24 h
 * in PostgreSQL `time`) are refused by the dry run with their reason, so the user can choose another type.
 */
export function nextColumnType(col: ColumnInfo, next: Exclude<Dialect, 'mysql'>): string {
  return next === 'postgres' ? postgresType(col) : sqliteType(col);
}

function postgresType(c: ColumnInfo): string {
  switch (c.type) {
    case 'bool': return 'boolean';
    case 'int': {
      if (/^bit\b/i.test(c.nativeType)) return bitsType(c);
      const bytes = c.integerBytes ?? 8;
      const need = c.unsigned ? bytes + 1 : bytes; // unsigned needs one more byte of signed range
      return need <= 2 ? 'smallint' : need <= 4 ? 'integer' : need <= 8 ? 'bigint' : 'numeric(20,0)';
    }
    case 'dec': return c.precision !== undefined ? `numeric(${c.precision},${c.scale ?? 0})` : 'numeric';
    case 'float': return c.floatBits === 32 ? 'real' : 'double precision';
    case 'text':
      if (/^bit\b/i.test(c.nativeType)) return bitsType(c);
      if (/^uuid\b/i.test(c.nativeType)) return 'uuid';
      if (c.maxLength !== undefined) return c.fixedLength ? `char(${c.maxLength})` : `varchar(${c.maxLength})`;
      return 'text';
    case 'date': return 'date';
    case 'time': return `time(${fsp(c)})`;
    case 'lts': return `timestamp(${fsp(c)})`;
    case 'ts': return `timestamptz(${fsp(c)})`;
    case 'bytes': return 'bytea';
    case 'json': return 'jsonb';
    case 'unknown': return 'text';
    default: return assertType(c.type);
  }
}

function sqliteType(c: ColumnInfo): string {
  switch (c.type) {
    case 'bool': return 'BOOLEAN';
    case 'int': return /^bit\b/i.test(c.nativeType) ? 'INTEGER' : 'INTEGER';
    // TEXT affinity keeps every digit (NUMERIC affinity would turn long decimals into doubles)
    case 'dec': return c.precision !== undefined ? `TEXT DECIMAL(${c.precision},${c.scale ?? 0})` : 'TEXT DECIMAL';
    case 'float': return 'REAL';
    case 'text': return /^bit\b/i.test(c.nativeType) ? 'INTEGER' : 'TEXT';
    case 'date': return 'DATE';
    case 'time': return 'TIME';
    case 'lts': return 'DATETIME';
    case 'ts': return 'TIMESTAMPTZ';
    case 'bytes': return 'BLOB';
    case 'json': return 'JSON';
    case 'unknown': return 'TEXT';
    default: return assertType(c.type);
  }
}

/** MariaDB BIT(n) is handed to mappings as a number (see legacy-plain.ts): an integer wide enough for n bits. */
function bitsType(c: ColumnInfo): string {
  const n = Number(/\((\d+)\)/.exec(c.nativeType)?.[1] ?? 1);
  return n <= 15 ? 'smallint' : n <= 31 ? 'integer' : n <= 63 ? 'bigint' : 'numeric(20,0)';
}

function fsp(c: ColumnInfo): number {
  const m = /\((\d)\)/.exec(c.nativeType);
  return m ? Number(m[1]) : 6;
}

function assertType(t: never): never {
  throw new Error(`unhandled logical type ${String(t as LogicalType)}`);
}
