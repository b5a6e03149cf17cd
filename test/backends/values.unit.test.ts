import { describe, expect, it } from 'vitest';
import type { ColumnInfo } from '../../src/backends/types.js';
import { fromSqlite, toSqlite } from '../../src/backends/sqlite/values.js';
import { fromPostgresText, toPostgres } from '../../src/backends/postgres/values.js';
import { fromMysql, isZeroDate, toMysql } from '../../src/backends/mysql/values.js';
import { decodeCp1252, decodeMysqlText } from '../../src/backends/mysql/charset.js';
import { WriteValueError } from '../../src/backends/errors.js';
import { bytes, date, dec, float, instant, int, invalid, json, localTimestamp, time } from '../../src/values/index.js';

const col = (type: ColumnInfo['type'], nativeType = type as string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name: 'c', type, nativeType, nullable: true, ...extra });

describe('PostgreSQL text decoding', () => {
  it.each([
    ['numeric', dec, '12.5000', dec('12.5')],
    ['numeric', dec, '-0.000', dec('0')],
    ['numeric', dec, 'NaN', invalid('invalid-number', 'NaN')],
    ['numeric', dec, '-Infinity', invalid('invalid-number', '-Infinity')],
    ['int8', int, '-9223372036854775808', int('-9223372036854775808')],
    ['timestamptz', instant, '2024-03-31 01:30:00.123456+02', instant('2024-03-30T23:30:00.123456Z')],
    ['timestamptz', instant, '1900-01-01 00:00:00+00:09:21', invalid('invalid-date', '1900-01-01 00:00:00+00:09:21')],
    ['timestamp', localTimestamp, '2024-01-01 00:00:00', localTimestamp('2024-01-01T00:00:00')],
    ['timestamp', localTimestamp, '0044-03-15 12:00:00 BC', invalid('invalid-date', '0044-03-15 12:00:00 BC')],
    ['date', date, 'infinity', invalid('invalid-date', 'infinity')],
    ['time', time, '24:00:00', time('24:00:00')],
  ] as const)('%s %s', (_native, _f, text, want) => {
    const type = _native === 'numeric' ? 'dec' : _native === 'int8' ? 'int' : _native === 'timestamptz' ? 'ts' : _native === 'timestamp' ? 'lts' : _native === 'date' ? 'date' : 'time';
    expect(fromPostgresText(text, col(type, _native))).toEqual(want);
  });
  it('floats keep NaN and infinities; -0 is 0', () => {
    expect(Number.isNaN((fromPostgresText('NaN', col('float')) as { v: number }).v)).toBe(true);
    expect(fromPostgresText('-Infinity', col('float'))).toEqual(float(-Infinity));
    expect(fromPostgresText('-0', col('float'))).toEqual(float(0));
  });
  it('bpchar padding is removed, varchar trailing spaces kept', () => {
    expect(fromPostgresText('ab   ', col('text', 'character(5)'))).toBe('ab');
    expect(fromPostgresText('ab   ', col('text', 'bpchar'))).toBe('ab');
    expect(fromPostgresText('ab   ', col('text', 'character varying(5)'))).toBe('ab   ');
  });
  it('bytea hex, json canonical, bool', () => {
    expect(fromPostgresText('\\x00ff', col('bytes'))).toEqual(bytes(Buffer.from([0, 255])));
    expect(fromPostgresText('{"b": 1, "a": {"d": 2, "c": 3}}', col('json'))).toEqual(json('{"a":{"c":3,"d":2},"b":1}'));
    expect([fromPostgresText('t', col('bool')), fromPostgresText('f', col('bool'))]).toEqual([true, false]);
  });
  it('encodes for writes: float specials, lts as SQL text, invalid refused', () => {
    expect(toPostgres(float(NaN), col('float'), 't')).toBe('NaN');
    expect(toPostgres(localTimestamp('2024-01-01T10:00:00.5'), col('lts', 'timestamp without time zone'), 't')).toBe('2024-01-01 10:00:00.500000');
    expect(() => toPostgres(invalid('zero-date', '0000-00-00'), col('date'), 't')).toThrow(WriteValueError);
    expect(() => toPostgres(instant('2024-01-01T00:00:00Z'), col('lts'), 't')).toThrow(/without a zone/);
    expect(toPostgres(invalid('invalid-date', 'infinity'), col('date'), 't', 'match')).toBe('infinity');
  });
});

describe('MariaDB decoding', () => {
  const b = (s: string) => Buffer.from(s, 'latin1');
  it('zero dates, zero month or day', () => {
    expect(['0000-00-00', '2024-00-01', '2024-01-00 10:00:00', '0000-00-00 00:00:00.000000'].every(isZeroDate)).toBe(true);
    expect(isZeroDate('2024-01-01')).toBe(false);
    expect(fromMysql(b('0000-00-00'), col('date'))).toEqual(invalid('zero-date', '0000-00-00'));
    expect(fromMysql(b('2024-02-30'), col('date'))).toEqual(invalid('invalid-date', '2024-02-30'));
    expect(fromMysql(b('2024-02-29 10:00:00.250000'), col('lts', 'datetime(6)'))).toEqual(localTimestamp('2024-02-29T10:00:00.25'));
    expect(fromMysql(b('2024-02-29 10:00:00'), col('ts', 'timestamp'))).toEqual(instant('2024-02-29T10:00:00Z'));
    expect(fromMysql(b('-838:59:59'), col('time'))).toEqual(time('-838:59:59'));
  });
  it('text by charset: utf8mb4 strict, latin1 as cp1252, mojibake and bad bytes as invalid-encoding', () => {
    expect(decodeMysqlText(Buffer.from('café 😀'), 'utf8mb4')).toBe('café 😀');
    expect(decodeMysqlText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'utf8mb4')).toEqual(invalid('invalid-encoding', '636166e9'));
    expect(decodeMysqlText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'latin1')).toBe('café');
    expect(decodeMysqlText(Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9]), 'latin1')).toEqual(invalid('invalid-encoding', '636166c3a9'));
    expect(decodeMysqlText(Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9]), 'latin1', { flagLatin1Mojibake: false })).toBe('cafÃ©');
    expect(decodeMysqlText(Buffer.from([0x80]), 'ascii')).toEqual(invalid('invalid-encoding', '80'));
    expect(decodeMysqlText(Buffer.from([0xcf, 0xf0]), 'cp1251')).toBe('Пр');
  });
  it('cp1252 table: 0x80-0x9F are the Windows characters, the five holes are C1 controls', () => {
    expect(decodeCp1252(Buffer.from([0x80, 0x85, 0x8a, 0x99, 0x9f, 0x81, 0x9d, 0xa0, 0xff]))).toBe('€…Š™Ÿ\u0081\u009d\u00a0ÿ');
  });
  it('numbers, booleans, BIT, JSON', () => {
    expect(fromMysql(b('18446744073709551615'), col('int', 'bigint unsigned'))).toEqual(int('18446744073709551615'));
    expect(fromMysql(b('-0.0000'), col('dec', 'decimal(18,4)'))).toEqual(dec('0'));
    expect(fromMysql(b('-0'), col('float', 'double'))).toEqual(float(0));
    expect(fromMysql(b('1'), col('bool', 'tinyint(1)'))).toBe(true);
    expect(fromMysql(b('-1'), col('bool', 'tinyint(1)'))).toEqual(invalid('invalid-number', '-1'));
    expect(fromMysql(Buffer.from([0x01, 0x01]), col('text', 'bit(10)'))).toBe('0100000001');
    expect(fromMysql(Buffer.from('{"b":1,"a":"é"}'), col('json', 'longtext'))).toEqual(json({ a: 'é', b: 1 }));
    expect(fromMysql(Buffer.from('{"b":'), col('json', 'longtext'))).toEqual(invalid('invalid-json', '{"b":'));
  });
  it('encodes for writes: exact numeric literals, UTC timestamps, refusals', () => {
    const lit = (v: unknown) => (v as { toSqlString(): string }).toSqlString();
    expect(lit(toMysql(int('9007199254740993'), col('int', 'bigint'), 't'))).toBe('9007199254740993');
    expect(lit(toMysql(dec('-12.5'), col('dec', 'decimal(10,2)', { scale: 2 }), 't'))).toBe('(-12.5)');
    expect(toMysql(instant('2024-01-01T10:00:00+02:00'), col('ts', 'timestamp(6)'), 't')).toBe('2024-01-01 08:00:00');
    expect(() => toMysql(dec('1.005'), col('dec', 'decimal(10,2)', { scale: 2 }), 't')).toThrow(/keeps 2/);
    expect(() => toMysql(float(Infinity), col('float', 'double'), 't')).toThrow(WriteValueError);
    expect(() => toMysql(localTimestamp('2024-01-01 10:00:00.1'), col('lts', 'datetime'), 't')).toThrow(/keeps 0/);
    expect(lit(toMysql('101', col('text', 'bit(3)'), 't'))).toBe("b'101'");
  });
});

describe('SQLite decoding', () => {
  it('by declared type, with storage-class surprises reported', () => {
    expect(fromSqlite(5n, col('bool'))).toEqual(invalid('invalid-number', '5'));
    expect(fromSqlite(1n, col('bool'))).toBe(true);
    expect(fromSqlite(1.5, col('int'))).toEqual(invalid('invalid-number', '1.5'));
    expect(fromSqlite('12.50', col('dec'))).toEqual(dec('12.5'));
    expect(fromSqlite(1e21, col('dec'))).toEqual(dec('1000000000000000000000'));
    expect(fromSqlite(Buffer.from([0xff]), col('text'))).toEqual(invalid('invalid-encoding', 'ff'));
    expect(fromSqlite('2024-01-01 10:00:00Z', col('lts'))).toEqual(instant('2024-01-01T10:00:00Z'));
    expect(fromSqlite('2024-01-01', col('lts'))).toEqual(invalid('invalid-date', '2024-01-01'));
    expect(fromSqlite('2024-01-01', col('date'))).toEqual(date('2024-01-01'));
    expect(fromSqlite(3n, col('float'))).toEqual(float(3));
    // a legacy copy of MariaDB data keeps zero dates as text: same reading as the MariaDB adapter
    expect(fromSqlite('0000-00-00 00:00:00', col('lts'))).toEqual(invalid('zero-date', '0000-00-00 00:00:00'));
    expect(fromSqlite('2024-00-10', col('date'))).toEqual(invalid('zero-date', '2024-00-10'));
  });
  it('encodes: bool as 0/1, int as bigint, lts as SQL text, long decimals refused in NUMERIC affinity only', () => {
    expect(toSqlite(true, col('bool', 'BOOLEAN'), 't')).toBe(1);
    expect(toSqlite(int('9007199254740993'), col('int', 'INTEGER'), 't')).toBe(9007199254740993n);
    expect(toSqlite(localTimestamp('2024-01-01T10:00:00'), col('lts', 'DATETIME'), 't')).toBe('2024-01-01 10:00:00');
    expect(() => toSqlite(dec('0.1234567890123456'), col('dec', 'DECIMAL(20,16)'), 't')).toThrow(/NUMERIC affinity/);
    expect(toSqlite(dec('0.1234567890123456'), col('dec', 'TEXT DECIMAL(20,16)'), 't')).toBe('0.1234567890123456');
    expect(toSqlite(dec('123456789012345678'), col('dec', 'DECIMAL(20,0)'), 't')).toBe('123456789012345678');
  });
});

describe('MariaDB encoding by target column', () => {
  it('numbers bound for text columns are quoted (no DOUBLE comparison), for numeric columns inlined', () => {
    expect(toMysql(int(5), col('text', 'varchar(10)'), 't')).toBe('5');
    expect((toMysql(int(5), col('int', 'int'), 't') as { toSqlString(): string }).toSqlString()).toBe('5');
  });
});
