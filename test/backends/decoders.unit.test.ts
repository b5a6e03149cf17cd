import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ColumnInfo } from '../../src/backends/types.js';
import { fromMysql, mysqlDecoder } from '../../src/backends/mysql/values.js';
import { fromPostgresText, postgresDecoder } from '../../src/backends/postgres/values.js';

/**
 * The per-column decoders (the adapters' per-row fast paths) must give exactly what the general decoders give, for
 * any input: values in the forms the servers print, and the odd ones (zero dates, padded digits, bad bytes).
 */
const col = (type: ColumnInfo['type'], nativeType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name: 'c', type, nativeType, nullable: true, ...extra });

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** Date-ish text: mostly valid, sometimes zero parts, day 31 in short months, February 29/30, years < 1000. */
const dateText = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
  .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
const timeText = fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.option(fc.integer({ min: 0, max: 999999 })))
  .map(([h, m, s, f]) => `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${f === null ? '' : `.${pad(f, 6)}`}`);
const dateTimeText = fc.tuple(dateText, timeText).map(([d, t]) => `${d} ${t}`);
const digitsText = fc.oneof(
  fc.stringMatching(/^-?[0-9]{1,20}(\.[0-9]{0,6})?$/),
  fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }).map(String),
  fc.constantFrom('', ' 1', '+1', '1e3', 'abc', '-', '.5', '5.', '-0', '007'),
);
const anyBytes = fc.uint8Array({ maxLength: 24 });

describe('mysqlDecoder = fromMysql', () => {
  const cases: [string, ColumnInfo, fc.Arbitrary<Uint8Array>][] = [
    ['int', col('int', 'int'), digitsText.map((s) => Buffer.from(s, 'latin1'))],
    ['dec', col('dec', 'decimal(12,2)'), digitsText.map((s) => Buffer.from(s, 'latin1'))],
    ['date', col('date', 'date'), dateText.map((s) => Buffer.from(s, 'latin1'))],
    ['datetime', col('lts', 'datetime'), dateTimeText.map((s) => Buffer.from(s, 'latin1'))],
    ['timestamp', col('ts', 'timestamp'), dateTimeText.map((s) => Buffer.from(s, 'latin1'))],
    ['latin1 text', col('text', 'varchar(20)', { charset: 'latin1' }), fc.oneof(anyBytes, fc.string().map((s) => Buffer.from(s, 'utf8')))],
    ['utf8mb4 text', col('text', 'varchar(20)', { charset: 'utf8mb4' }), fc.oneof(anyBytes, fc.string().map((s) => Buffer.from(s, 'utf8')))],
    ['cp1251 text', col('text', 'varchar(20)', { charset: 'cp1251' }), anyBytes],
    ['bit', col('text', 'bit(10)'), anyBytes],
    ['bool', col('bool', 'tinyint(1)'), digitsText.map((s) => Buffer.from(s, 'latin1'))],
    ['double', col('float', 'double'), digitsText.map((s) => Buffer.from(s, 'latin1'))],
    ['time', col('time', 'time'), timeText.map((s) => Buffer.from(s, 'latin1'))],
    ['varbinary', col('bytes', 'varbinary(20)'), anyBytes],
    ['json', col('json', 'longtext', { charset: 'utf8mb4' }), fc.oneof(anyBytes, fc.json().map((s) => Buffer.from(s, 'utf8')))],
    ['any bytes as a date-time', col('lts', 'datetime'), anyBytes],
  ];
  it.each(cases)('%s', (_name, column, arb) => {
    const decode = mysqlDecoder(column);
    // the decoder takes the bytes as a latin1 string (what the adapter's reads give it)
    fc.assert(fc.property(arb, (raw) => { expect(decode(Buffer.from(raw).toString('latin1'))).toEqual(fromMysql(Buffer.from(raw), column)); }), { numRuns: 1500 });
    expect(decode(null)).toBeNull();
  });
});

describe('postgresDecoder = fromPostgresText', () => {
  const cases: [string, Pick<ColumnInfo, 'type' | 'nativeType'>, fc.Arbitrary<string>][] = [
    ['int8', { type: 'int', nativeType: 'bigint' }, fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }).map(String)],
    ['numeric', { type: 'dec', nativeType: 'numeric(12,2)' }, fc.oneof(digitsText.filter((s) => /^-?\d/.test(s)), fc.constantFrom('NaN', 'Infinity'))],
    ['date', { type: 'date', nativeType: 'date' }, fc.oneof(dateText.filter((s) => !/-00/.test(s) && !s.startsWith('0000')), fc.constantFrom('infinity', '0044-03-15 BC'))],
    ['timestamp', { type: 'lts', nativeType: 'timestamp without time zone' }, dateTimeText.filter((s) => !/-00|^0000| 2[4-5]:|:6[01]/.test(s))],
    ['text', { type: 'text', nativeType: 'text' }, fc.string()],
    ['bpchar', { type: 'text', nativeType: 'character(4)' }, fc.string()],
  ];
  it.each(cases)('%s', (_name, column, arb) => {
    const decode = postgresDecoder(column);
    const run = (f: () => unknown) => { try { return f(); } catch (e) { return `threw ${(e as Error).message}`; } };
    fc.assert(fc.property(arb, (text) => { expect(run(() => decode(text))).toEqual(run(() => fromPostgresText(text, column))); }), { numRuns: 1500 });
    expect(decode(null)).toBeNull();
  });
});
