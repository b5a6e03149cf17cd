import type { Dialect } from '../../src/backends/types.js';

/**
 * A table with the awkward types of each engine, and two rows to insert into it, used to check that capture (trigger,
 * binlog, pgoutput) yields exactly what a SELECT through the adapter yields.
 */
export const TYPED_TABLE: Record<Dialect, { create: string; rows: string[]; update: string }> = {
  sqlite: {
    create: `CREATE TABLE orders (id INTEGER PRIMARY KEY, amount DECIMAL(10,2), note TEXT, placed DATETIME, data BLOB, flag BOOLEAN, score REAL, doc JSON)`,
    rows: [
      `INSERT INTO orders VALUES (1, '12.50', 'héllo', '2024-01-02 03:04:05.123', x'00ff', 1, 0.30000000000000004, '{"b":1,"a":[1,2]}')`,
      `INSERT INTO orders VALUES (2, 7, CAST(x'ff61' AS TEXT), NULL, NULL, 0, NULL, NULL)`,
    ],
    update: `UPDATE orders SET amount = '13.00', note = 'x' WHERE id = 1`,
  },
  postgres: {
    create: `CREATE TABLE orders (id INT PRIMARY KEY, amount NUMERIC(12,2), note TEXT, placed TIMESTAMP, paid TIMESTAMPTZ, data BYTEA, flag BOOLEAN, score FLOAT8, doc JSONB, code CHAR(5), big BIGINT, d DATE, t TIME)`,
    rows: [
      `INSERT INTO orders VALUES (1, 12.50, 'héllo', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.5+02', '\\x00ff', true, 0.30000000000000004, '{"b":1,"a":[1,2]}', 'ab', 9223372036854775807, '2024-02-29', '13:14:15.5')`,
      `INSERT INTO orders VALUES (2, -0.01, '', NULL, NULL, NULL, false, 'NaN', '"s"', NULL, -1, NULL, NULL)`,
    ],
    update: `UPDATE orders SET amount = 13.00, note = 'x' WHERE id = 1`,
  },
  mysql: {
    create: `CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(12,2), note VARCHAR(50), placed DATETIME(6), paid TIMESTAMP(6) NULL, data VARBINARY(10), flag TINYINT(1), score DOUBLE, f FLOAT, doc JSON, code CHAR(5), legacy VARCHAR(20) CHARACTER SET latin1, zd DATE, big BIGINT UNSIGNED, t TIME(3)) ENGINE=InnoDB`,
    rows: [
      `INSERT INTO orders VALUES (1, 12.50, 'héllo', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.5', x'00ff', 1, 0.30000000000000004, 0.1, '{"b":1,"a":[1,2]}', 'ab', 'caf\\xe9 \\x80', '2024-02-29', 18446744073709551615, '13:14:15.5')`,
      `INSERT INTO orders VALUES (2, -0.01, '', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, '0000-00-00', 0, NULL)`,
    ],
    update: `UPDATE orders SET amount = 13.00, note = 'x' WHERE id = 1`,
  },
};
