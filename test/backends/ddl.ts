import type { Dialect } from '../../src/backends/types.js';

/** Native column types per engine for the same logical column, so one test creates the same table everywhere. */
export type Col = 'int' | 'bigint' | 'key_text' | 'ci_text' | 'text' | 'dec12_2' | 'dec18_4' | 'float' | 'char5' | 'date' | 'time'
  | 'tstz' | 'lts' | 'bytes' | 'json' | 'bool';

const TYPES: Record<Col, Record<Dialect, string>> = {
  int: { sqlite: 'INTEGER', postgres: 'integer', mysql: 'int' },
  bigint: { sqlite: 'BIGINT', postgres: 'bigint', mysql: 'bigint' },
  // MariaDB: a binary NO PAD collation, so that 'a'/'A'/'a ' are distinct keys as on the other engines
  key_text: { sqlite: 'TEXT', postgres: 'varchar(100)', mysql: 'varchar(100) COLLATE utf8mb4_nopad_bin' },
  // the engine's case-insensitive collation, as legacy schemas often have
  ci_text: { sqlite: 'TEXT COLLATE NOCASE', postgres: 'varchar(100)', mysql: 'varchar(100) COLLATE utf8mb4_general_ci' },
  text: { sqlite: 'TEXT', postgres: 'text', mysql: 'text' },
  dec12_2: { sqlite: 'DECIMAL(12,2)', postgres: 'numeric(12,2)', mysql: 'decimal(12,2)' },
  // TEXT affinity keeps all 18 digits in SQLite (a NUMERIC-affinity column would round past 15)
  dec18_4: { sqlite: 'TEXT DECIMAL(18,4)', postgres: 'numeric(18,4)', mysql: 'decimal(18,4)' },
  float: { sqlite: 'REAL', postgres: 'double precision', mysql: 'double' },
  char5: { sqlite: 'CHAR(5)', postgres: 'char(5)', mysql: 'char(5)' },
  date: { sqlite: 'DATE', postgres: 'date', mysql: 'date' },
  time: { sqlite: 'TIME', postgres: 'time', mysql: 'time(6)' },
  tstz: { sqlite: 'TIMESTAMPTZ', postgres: 'timestamptz', mysql: 'timestamp(6) NULL' },
  lts: { sqlite: 'DATETIME', postgres: 'timestamp', mysql: 'datetime(6)' },
  bytes: { sqlite: 'BLOB', postgres: 'bytea', mysql: 'varbinary(64)' },
  json: { sqlite: 'JSON', postgres: 'jsonb', mysql: 'json' },
  bool: { sqlite: 'BOOLEAN', postgres: 'boolean', mysql: 'boolean' },
};

export function createTable(dialect: Dialect, table: string, cols: Record<string, Col>, pk: readonly string[], extra: readonly string[] = []): string {
  const q = (n: string) => (dialect === 'mysql' ? `\`${n}\`` : `"${n}"`);
  const defs = Object.entries(cols).map(([name, col]) => `${q(name)} ${TYPES[col][dialect]}${pk.includes(name) ? ' NOT NULL' : ''}`);
  defs.push(`PRIMARY KEY (${pk.map(q).join(', ')})`, ...extra);
  return `CREATE TABLE ${q(table)} (${defs.join(', ')})`;
}

export function nativeType(dialect: Dialect, col: Col): string { return TYPES[col][dialect]; }
