import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ColumnInfo, TableInfo } from '../../src/backends/types.js';
import { mapRow } from '../../src/config/map-row.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { ConfigValidationError } from '../../src/config/errors.js';
import { unkeyableRows, nullKeyFailure } from '../../src/config/row-keys.js';
import type { ResolvedTable } from '../../src/config/types.js';
import { fromPlain, int, json, rowToPlain, toPlain, type Row } from '../../src/values/index.js';
import { jsonFromText } from '../../src/backends/sql/json-text.js';

// Issue 11, findings 2-6: the dry run judges a value as the write will, JSON null stays JSON null, BIT goes by its
// meaning, rows that cannot be keyed fail, and a mapping without a key says what to do.

const col = (name: string, c: Partial<ColumnInfo> & Pick<ColumnInfo, 'type' | 'nativeType'>): ColumnInfo => ({ name, nullable: true, ...c });
const NEXT: TableInfo = {
  name: 't', primaryKey: ['id'], uniqueKeys: [],
  columns: [
    col('id', { type: 'int', nativeType: 'bigint', integerBytes: 8, nullable: false }),
    col('i4', { type: 'int', nativeType: 'integer', integerBytes: 4 }),
    col('n', { type: 'dec', nativeType: 'numeric(6,2)', precision: 6, scale: 2 }),
    col('vc', { type: 'text', nativeType: 'character varying(5)', maxLength: 5 }),
    col('ch', { type: 'text', nativeType: 'character(4)', maxLength: 4, fixedLength: true }),
    col('r', { type: 'float', nativeType: 'real', floatBits: 32 }),
    col('tm', { type: 'time', nativeType: 'time without time zone' }),
    col('js', { type: 'json', nativeType: 'jsonb' }),
    col('tx', { type: 'text', nativeType: 'text' }),
  ],
};
const LEGACY: TableInfo = {
  name: 'L', primaryKey: ['id'], uniqueKeys: [],
  columns: [col('id', { type: 'int', nativeType: 'int(11)', integerBytes: 4, nullable: false }), col('flags', { type: 'text', nativeType: 'bit(3)' })],
};
const copyAll: ResolvedTable = {
  name: 'L', key: ['id'], clean: [], nextKeys: {}, schemas: { t: z.any() },
  to: (row) => ({ t: [row as Record<string, unknown>] }),
};
const ctx = { nextTables: { t: NEXT }, nextDialect: 'postgres' as const, nextKeys: { t: ['id'] } };
const reasons = (r: ReturnType<typeof mapRow>) => (r.ok ? [] : r.failures.map((f) => f.reason));

describe('finding 2: the dry run judges against next\'s real column types, as the write does', () => {
  it.each([
    ['an integer above integer', { i4: 2147483648 }, /write t\.i4: out of the range of integer/],
    ['a decimal with more scale than numeric(6,2)', { n: '1.005' }, /write t\.n: a decimal with more than 2 fractional digits/],
    ['a decimal with more integer digits than numeric(6,2)', { n: '12345.5' }, /write t\.n: more than 4 integer digits/],
    ['a text longer than varchar(5)', { vc: 'abcdef' }, /write t\.vc: longer than the 5 characters/],
    ['trailing spaces into char(4)', { ch: 'ab ' }, /write t\.ch: trailing spaces are not kept/],
    ['a double out of the range of real', { r: 1e39 }, /write t\.r: out of the range of real/],
    ['a double real would round', { r: 0.1234567891 }, /write t\.r: a double that real .* cannot hold exactly/],
    ['a MariaDB TIME beyond 24 h into time', { tm: '838:59:59' }, /write t\.tm: a time outside PostgreSQL/],
    ['a negative TIME into time', { tm: '-01:00:00' }, /write t\.tm: a time outside PostgreSQL/],
    ['a NUL character into text', { tx: 'a\u0000b' }, /write t\.tx: the text holds a NUL character/],
    ['a lone surrogate', { tx: 'a\uD800' }, /write t\.tx: the text holds a lone UTF-16 surrogate/],
  ])('%s is refused with its reason', (_label, values, reason) => {
    const r = mapRow(copyAll, { id: 1, ...values }, ctx);
    expect(r.ok).toBe(false);
    expect(reasons(r).join('\n')).toMatch(reason);
  });

  it('values that fit are clean, and given as canonical values ready for upsert', () => {
    const r = mapRow(copyAll, { id: 1, i4: 2147483647, n: '9999.99', vc: 'abcde', ch: 'ab', r: 0.5, tm: '24:00:00', tx: '😀' }, ctx);
    expect(r.ok && r.values).toEqual({ t: [{ id: int(1), i4: int(2147483647), n: { t: 'dec', v: '9999.99' }, vc: 'abcde', ch: 'ab', r: { t: 'float', v: 0.5 }, tm: { t: 'time', v: '24:00:00' }, tx: '😀' }] });
  });

  it('reasons carry no data value (they group rows and are shown)', () => {
    const r = mapRow(copyAll, { id: 1, i4: 99999999999, vc: 'secret-name' }, ctx);
    expect(reasons(r).join('\n')).not.toMatch(/99999999999|secret/);
  });

  it('a NULL in a next key column cannot be written by key', () => {
    expect(reasons(mapRow(copyAll, { id: null }, ctx)).join('\n')).toMatch(/write t\.id: NULL in a NOT NULL column/);
  });

  it('fromPlain takes an integer from text only as its canonical digits', () => {
    expect(fromPlain('42', 'int')).toEqual(int(42));
    expect(() => fromPlain('007', 'int')).toThrow(/not an integer written canonically/);
    expect(() => fromPlain(' 5', 'int')).toThrow(/not an integer written canonically/);
  });
});

describe('finding 3: JSON null and SQL NULL stay distinct', () => {
  it('the plain form of the JSON document null is not null, and goes back to the JSON document', () => {
    const plain = toPlain(json('null'));
    expect(plain).not.toBeNull();
    expect(fromPlain(plain, 'json')).toEqual({ t: 'json', v: 'null' });
    expect(fromPlain(null, 'json')).toBeNull();
  });

  it('through mapRow: a JSON null column reaches next as JSON null, an SQL NULL as NULL', () => {
    const r1 = mapRow(copyAll, rowToPlain({ id: int(1), js: json('null') }), ctx);
    const r2 = mapRow(copyAll, rowToPlain({ id: int(2), js: null }), ctx);
    expect(r1.ok && r1.values?.t?.[0]?.js).toEqual({ t: 'json', v: 'null' });
    expect(r2.ok && r2.values?.t?.[0]?.js).toBeNull();
  });

  it('numbers a double cannot hold keep their digits through the plain form', () => {
    const doc = jsonFromText('{"big":123456789012345678901234567890,"x":[1.5]}');
    expect(fromPlain(toPlain(doc), 'json')).toEqual(doc);
    expect(toPlain(json('{"a":1}'))).toEqual({ a: 1 }); // exact documents stay plain JS
  });
});

describe('finding 4: a BIT value goes by its meaning', () => {
  it('BIT(3) b\'101\' written into an integer column is 5, not 101', () => {
    const r = mapRow(copyAll, rowToPlain({ id: int(1), flags: '101' } as Row), { ...ctx, nextTables: { t: { ...NEXT, columns: [...NEXT.columns, col('flags', { type: 'int', nativeType: 'integer', integerBytes: 4 })] } }, legacy: LEGACY });
    expect(r.ok && r.values?.t?.[0]?.flags).toEqual(int(5));
  });

  it('into a text column it is refused (a number for a text column), never its digits changed silently', () => {
    const r = mapRow(copyAll, rowToPlain({ id: int(1), flags: '101' } as Row), { ...ctx, nextTables: { t: { ...NEXT, columns: [...NEXT.columns, col('flags', { type: 'text', nativeType: 'text' })] } }, legacy: LEGACY });
    expect(reasons(r).join('\n')).toMatch(/write t\.flags: type-mismatch for text column/);
  });
});

describe('finding 5: rows that cannot be keyed', () => {
  const rows: Row[] = [{ id: int(1) }, { id: null }, { id: int(2) }, { id: int(3) }, { id: int(2) }];
  it('unkeyableRows names every row with a NULL key and every row of a shared key', () => {
    const bad = unkeyableRows(rows, ['id']);
    expect([...bad.keys()].sort()).toEqual([1, 2, 4]);
    expect(bad.get(1)!.reason).toMatch(/id is NULL; a row without a key cannot be migrated/);
    expect(bad.get(2)!.reason).toMatch(/several legacy rows share this key/);
    expect(nullKeyFailure({ id: int(1) }, ['id'])).toBeUndefined();
  });
});

describe('finding 6: a mapping without a key', () => {
  it('says that a key is needed and what to do when the table has none', () => {
    let e: unknown;
    try { resolveConfig({ name: 'x', legacy: { db: 'sqlite:a' }, next: { db: 'sqlite:b' }, tables: { AUDIT: { to: () => ({}), schemas: {} } } }); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(ConfigValidationError);
    const msg = (e as Error).message;
    expect(msg).toMatch(/tables\.AUDIT\.key: no key given/);
    expect(msg).toMatch(/If AUDIT has no primary or unique key, name a set of columns that is unique in its data/);
    expect(msg).toMatch(/or leave AUDIT out of tables/);
    expect(msg).not.toMatch(/found nothing/);
  });
});

describe('finding 4, the other way: a BIT copied into a MariaDB BIT column', () => {
  it('keeps its bits', () => {
    const next: TableInfo = { name: 't', primaryKey: ['id'], uniqueKeys: [], columns: [col('id', { type: 'int', nativeType: 'int(11)', integerBytes: 4, nullable: false }), col('flags', { type: 'text', nativeType: 'bit(3)' })] };
    const r = mapRow(copyAll, rowToPlain({ id: int(1), flags: '101' } as Row), { nextTables: { t: next }, nextDialect: 'mysql', legacy: LEGACY });
    expect(r.ok && r.values?.t?.[0]?.flags).toBe('101');
  });
});
