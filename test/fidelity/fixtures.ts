import type { Dialect } from '../../src/backends/types.js';
import type { FidelityTable } from './fixture.js';
import { mysqlFidelityTable } from './fixtures-mysql.js';
import { postgresFidelityTable } from './fixtures-postgres.js';
import { sqliteFidelityTable } from './fixtures-sqlite.js';

export type { FidelityColumn, FidelityRow, FidelityTable } from './fixture.js';

/** The type-fidelity table of an engine: DDL, session setup, rows (column → SQL literal) and their INSERTs. */
export function fidelityTable(dialect: Dialect): FidelityTable {
  switch (dialect) {
    case 'mysql': return mysqlFidelityTable();
    case 'postgres': return postgresFidelityTable();
    case 'sqlite': return sqliteFidelityTable();
  }
}
