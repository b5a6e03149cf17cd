import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changePosition, comparePositions, decodeCheckpoint, encodeCheckpoint } from '../../src/capture/binlog/position.js';
import { ddlTarget } from '../../src/capture/binlog/ddl.js';
import { float32Text } from '../../src/capture/decode/binlog.js';
import { lsnKey } from '../../src/capture/pgoutput/source.js';
import { captureKey, describeShapeChange } from '../../src/capture/tables.js';
import { CapturePositionError } from '../../src/capture/errors.js';
import type { TableInfo } from '../../src/backends/types.js';

describe('binlog positions', () => {
  it('order by file number, offset, row — as tuples, whatever the widths', () => {
    fc.assert(fc.property(
      fc.tuple(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 4, max: 2 ** 40 }), fc.integer({ min: 0, max: 99_999 })),
      fc.tuple(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 4, max: 2 ** 40 }), fc.integer({ min: 0, max: 99_999 })),
      (a, b) => {
        const pa = changePosition(`mysql-bin.${String(a[0]).padStart(6, '0')}`, a[1], a[2]);
        const pb = changePosition(`mysql-bin.${String(b[0]).padStart(6, '0')}`, b[1], b[2]);
        const expected = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
        expect(Math.sign(comparePositions(pa, pb))).toBe(Math.sign(expected));
      }));
  });

  it('checkpoints round-trip and a foreign one is a clear error', () => {
    const cp = { file: 'mysql-bin.000012', pos: 1234, last: 'mysql-bin.000012:000000001200:000003', gtid: '0-1-55' };
    expect(decodeCheckpoint('legacy', encodeCheckpoint(cp))).toEqual(cp);
    expect(() => decodeCheckpoint('legacy', '00000000000000000042')).toThrow(CapturePositionError);
    expect(() => decodeCheckpoint('legacy', '00000000000000000042')).toThrow(/is not a binlog/);
  });
});

describe('pgoutput positions', () => {
  it('LSN keys sort like the LSNs', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (a, b) => {
      const lsn = (x: bigint) => `${(x >> 32n).toString(16).toUpperCase()}/${(x & 0xffffffffn).toString(16).toUpperCase()}`;
      const ka = lsnKey(lsn(a)), kb = lsnKey(lsn(b));
      expect(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0)).toBe(a < b ? -1 : a > b ? 1 : 0);
    }));
  });
});

describe('DDL recognition in the binary log', () => {
  it.each([
    ['ALTER TABLE orders ADD COLUMN x INT', 'shop', 'orders'],
    ['alter table `shop`.`orders` drop column x', 'other', 'orders'],
    ['ALTER ONLINE TABLE orders ENGINE=InnoDB', 'shop', 'orders'],
    ['TRUNCATE TABLE orders', 'shop', 'orders'],
    ['TRUNCATE orders', 'shop', 'orders'],
    ['DROP TABLE IF EXISTS `orders`', 'shop', 'orders'],
    ['RENAME TABLE orders TO orders_old', 'shop', 'orders'],
    ['/* comment */ ALTER TABLE orders ADD c INT', 'shop', 'orders'],
  ])('%s (event schema %s) names %s', (sql, schema, table) => {
    expect(ddlTarget(sql, schema, 'shop')).toBe(table);
  });
  it('ignores other schemas and non-DDL', () => {
    expect(ddlTarget('ALTER TABLE other.orders ADD c INT', 'shop', 'shop')).toBeNull();
    expect(ddlTarget('ALTER TABLE orders ADD c INT', 'other', 'shop')).toBeNull();
    expect(ddlTarget('INSERT INTO orders VALUES (1)', 'shop', 'shop')).toBeNull();
    expect(ddlTarget('CREATE TABLE orders2 (a INT)', 'shop', 'shop')).toBeNull();
  });
});

describe('FLOAT printing', () => {
  it('gives the shortest decimal that is the same float32', () => {
    expect(float32Text(Math.fround(0.1))).toBe(0.1);
    expect(float32Text(Math.fround(3.14159))).toBe(3.14159);
    fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
      expect(Math.fround(float32Text(f)) === Math.fround(f)).toBe(true); // (-0 prints as 0, as the server does)
    }));
  });
});

describe('capture keys and shape changes', () => {
  const col = (name: string, nullable = false, nativeType = 'int') => ({ name, type: 'int' as const, nativeType, nullable });
  const t = (p: Partial<TableInfo>): TableInfo => ({ name: 't', columns: [col('a'), col('b', true), col('c')], primaryKey: [], uniqueKeys: [], ...p });
  it('uses the primary key, else a NOT NULL unique key, else none', () => {
    expect(captureKey(t({ primaryKey: ['a'] }))).toEqual(['a']);
    expect(captureKey(t({ uniqueKeys: [['b'], ['c']] }))).toEqual(['c']);
    expect(captureKey(t({ uniqueKeys: [['b']] }))).toBeNull();
  });
  it('describes added, dropped and retyped columns', () => {
    const before = t({ primaryKey: ['a'] });
    expect(describeShapeChange(before, before)).toBeNull();
    expect(describeShapeChange(before, { ...before, columns: [...before.columns, col('d', true, 'text')] })).toBe('column d added (text)');
    expect(describeShapeChange(before, { ...before, columns: before.columns.slice(0, 2) })).toBe('column c dropped');
    expect(describeShapeChange(before, { ...before, columns: [col('a', false, 'bigint'), col('b', true), col('c')] })).toMatch(/column a changed from int not null to bigint not null/);
  });
});
