import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countPlaceholders, toDollarPlaceholders } from '../../src/backends/sql/placeholders.js';
import { keysetWhere } from '../../src/backends/sql/keyset.js';
import type { SqlDialect } from '../../src/backends/sql/session.js';
import type { ColumnInfo } from '../../src/backends/types.js';
import { compareText, compareKeys } from '../../src/values/index.js';
import { affinityOf, sqliteLogicalType } from '../../src/backends/sqlite/types.js';
import { mysqlLogicalType } from '../../src/backends/mysql/types.js';

describe('placeholders', () => {
  it('rewrites ? to $n outside literals, identifiers, comments and dollar quotes', () => {
    const sql = `SELECT '?', "a?b", ? , $$ ? $$, $t$ ? $t$ -- ?\n, ? /* ? */ FROM t WHERE x = ? AND j ?| array['a']`;
    expect(toDollarPlaceholders(sql).sql).toBe(`SELECT '?', "a?b", $1 , $$ ? $$, $t$ ? $t$ -- ?\n, $2 /* ? */ FROM t WHERE x = $3 AND j ?| array['a']`);
  });
  it('handles doubled quotes, and backslashes only where the engine escapes with them', () => {
    expect(countPlaceholders(`SELECT 'it''s ?', ?`)).toBe(1);
    expect(countPlaceholders(`SELECT 'C:\\', ?`)).toBe(1); // standard SQL: the backslash is a character
    expect(countPlaceholders(`SELECT 'it\\'s ?', ?`, { backslashEscapes: true })).toBe(1);
    expect(toDollarPlaceholders(`SELECT E'a\\'?', ?`).sql).toBe(`SELECT E'a\\'?', $1`);
    expect(countPlaceholders('SELECT `a?b`, ?')).toBe(1);
  });
});

describe('keyset predicates', () => {
  const d = { keyExpr: (c: ColumnInfo) => c.name } as unknown as SqlDialect;
  const cols = ['a', 'b', 'c'].map((name) => ({ name, type: 'int', nativeType: 'int', nullable: false }) as ColumnInfo);
  it('row values when the engine uses them with its index', () => {
    expect(keysetWhere(d, cols, '>', true)).toEqual({ sql: '(a, b, c) > (?, ?, ?)', order: [0, 1, 2] });
  });
  it('expanded OR form otherwise, with the parameter order it needs', () => {
    expect(keysetWhere(d, cols, '>', false)).toEqual({ sql: '(a > ?) OR (a = ? AND b > ?) OR (a = ? AND b = ? AND c > ?)', order: [0, 0, 1, 0, 1, 2] });
    expect(keysetWhere(d, cols.slice(0, 2), '<=', false).sql).toBe('(a < ?) OR (a = ? AND b <= ?)');
  });
});

describe('compareText is the order of binary UTF-8 collations', () => {
  it('equals byte order of the UTF-8 encodings (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
      expect(Math.sign(compareText(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }), { numRuns: 2000 });
  });
  it('puts U+FF5A before an emoji although UTF-16 code units say otherwise', () => {
    expect('😀' < 'ｚ').toBe(true);
    expect(compareKeys(['ｚ'], ['😀'])).toBeLessThan(0);
  });
});

describe('logical types from declared types', () => {
  it.each([
    ['INTEGER', 'int'], ['BIGINT', 'int'], ['TEXT', 'text'], ['VARCHAR(20)', 'text'], ['DECIMAL(12,2)', 'dec'], ['NUMERIC', 'dec'],
    ['TEXT DECIMAL(18,4)', 'dec'], ['REAL', 'float'], ['DOUBLE PRECISION', 'float'], ['BLOB', 'bytes'], ['', 'unknown'],
    ['DATE', 'date'], ['DATETIME', 'lts'], ['TIMESTAMP', 'lts'], ['TIMESTAMPTZ', 'ts'], ['TIME', 'time'], ['BOOLEAN', 'bool'],
    ['JSON', 'json'], ['UUID', 'text'], ['GEOMETRY', 'unknown'],
  ])('SQLite %s → %s', (declared, type) => { expect(sqliteLogicalType(declared)).toBe(type); });
  it('SQLite affinity rules', () => {
    expect(['INT', 'CHARINT', 'CLOB', 'BLOB', 'FLOATING', 'DECIMAL', ''].map(affinityOf)).toEqual(['INTEGER', 'INTEGER', 'TEXT', 'BLOB', 'REAL', 'NUMERIC', 'BLOB']);
  });
  it.each([
    ['tinyint', 'tinyint(1)', false, 'bool'], ['tinyint', 'tinyint(4)', false, 'int'], ['bigint', 'bigint(20) unsigned', false, 'int'],
    ['longtext', 'longtext', true, 'json'], ['longtext', 'longtext', false, 'text'], ['year', 'year(4)', false, 'int'],
    ['bit', 'bit(3)', false, 'text'], ['enum', "enum('a')", false, 'text'], ['timestamp', 'timestamp(6)', false, 'ts'],
    ['datetime', 'datetime', false, 'lts'], ['varbinary', 'varbinary(4)', false, 'bytes'], ['geometry', 'geometry', false, 'bytes'], ['point', 'point', false, 'bytes'], ['inet6', 'inet6', false, 'text'],
  ])('MariaDB %s %s (json check %s) → %s', (dt, ct, j, type) => { expect(mysqlLogicalType(dt, ct, j)).toBe(type); });
});
