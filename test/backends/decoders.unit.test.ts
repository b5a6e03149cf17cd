import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ColumnInfo } from '../../src/backends/types.js';
import { fromMysql, mysqlDecoder } from '../../src/backends/mysql/values.js';
import { fromPostgresText, postgresDecoder } from '../../src/backends/postgres/values.js';
import { decodeCp1252, decodeMysqlLatin1Bytes, decodeMysqlText, wellFormedUtf8Latin1 } from '../../src/backends/mysql/charset.js';
import { invalid } from '../../src/values/index.js';

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

describe('text decoding without exceptions agrees with the WHATWG decoder', () => {
  // references written the plain way: TextDecoder (fatal) for UTF-8, the cp1252 table byte by byte
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const refUtf8 = (b: Uint8Array): string | undefined => { try { return strict.decode(b); } catch { return undefined; } };
  const C1 = [0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
    0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178];
  const refCp1252 = (b: Uint8Array) => [...b].map((x) => String.fromCharCode(x >= 0x80 && x <= 0x9f ? C1[x - 0x80]! : x)).join('');
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 16 }),
    fc.string({ unit: 'binary', maxLength: 8 }).map((t) => new Uint8Array(Buffer.from(t, 'utf8'))),
    // truncated and spliced sequences: the edges of the rules (overlongs, surrogates, > U+10FFFF)
    fc.array(fc.constantFrom(0x41, 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff), { maxLength: 8 }).map((a) => new Uint8Array(a)),
  );
  const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
  it('UTF-8 well-formedness', () => {
    const edges = [[0xed, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xe0, 0xa0, 0x80], [0xf0, 0x80, 0x80, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xc2, 0x80],
      [0xf5, 0x80, 0x80, 0x80], [0xef, 0xbb, 0xbf], [0xe2, 0x82], [0xe2, 0x82, 0xac], [0x80], [0xc3, 0xa9, 0xc3]];
    for (const e of edges) expect([e, wellFormedUtf8Latin1(latin1(new Uint8Array(e)))]).toEqual([e, refUtf8(new Uint8Array(e)) !== undefined]);
    fc.assert(fc.property(bytes, (b) => { expect(wellFormedUtf8Latin1(latin1(b))).toBe(refUtf8(b) !== undefined); }), { numRuns: 5000 });
  });
  it('latin1 (cp1252, mojibake flagged) and utf8mb4 columns', () => {
    fc.assert(fc.property(bytes, (b) => {
      const high = b.some((x) => x > 0x7f);
      const wantLatin1 = high && refUtf8(b) !== undefined ? invalid('invalid-encoding', hex(b)) : refCp1252(b);
      const wantUtf8 = refUtf8(b) ?? invalid('invalid-encoding', hex(b));
      expect(decodeCp1252(b)).toBe(refCp1252(b));
      expect(decodeMysqlText(b, 'latin1')).toEqual(wantLatin1);
      expect(decodeMysqlText(b, 'utf8mb4')).toEqual(wantUtf8);
      if (high) {
        expect(decodeMysqlLatin1Bytes(latin1(b), 'latin1')).toEqual(wantLatin1);
        expect(decodeMysqlLatin1Bytes(latin1(b), 'utf8mb4')).toEqual(wantUtf8);
        expect(decodeMysqlLatin1Bytes(latin1(b), 'latin1', { flagLatin1Mojibake: false })).toBe(refCp1252(b));
      }
    }), { numRuns: 5000 });
  });
});
