import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binlogDecoder, canonicalPlainDecimal, decodeBinlogValue } from '../../src/capture/decode/mysql.js';
import { dec } from '../../src/values/index.js';
import type { ColumnInfo } from '../../src/backends/types.js';

// The binlog fast paths must give exactly what the general decoders give.
describe('binlog value fast paths', () => {
  const plain = fc.tuple(fc.boolean(), fc.stringMatching(/^\d{1,20}$/), fc.option(fc.stringMatching(/^\d{1,12}$/)))
    .map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f === null ? '' : `.${f}`}`);

  it('canonical plain decimals equal dec()', () => {
    for (const s of ['0', '-0', '-0.00', '000', '007', '0.50', '-00.10', '12.34', '-12.30', '100', '1.000', '-5']) {
      expect(canonicalPlainDecimal(s)).toBe(dec(s).v);
    }
    fc.assert(fc.property(plain, (s) => { expect(canonicalPlainDecimal(s)).toBe(dec(s).v); }), { numRuns: 2000 });
  });

  it('leaves anything but a plain decimal to the general parser', () => {
    for (const s of ['1e5', '.5', '5.', ' 1', '+1', '', '-', '1.2.3', 'abc']) expect(canonicalPlainDecimal(s)).toBeNull();
  });

  it('a per-column decoder decodes like decodeBinlogValue', () => {
    const cols: ColumnInfo[] = [
      { name: 'a', type: 'dec', nativeType: 'decimal(12,2)', nullable: true },
      { name: 'b', type: 'int', nativeType: 'bigint', nullable: true },
      { name: 'c', type: 'lts', nativeType: 'datetime(6)', nullable: true },
      { name: 'd', type: 'text', nativeType: 'varchar(40)', nullable: true },
    ];
    const samples: unknown[] = ['12.30', '-0.00', 7, 0, '9007199254740993', '2024-01-02 03:04:05.5', '2024-02-30 00:00:00', 'x', null];
    for (const c of cols) {
      const d = binlogDecoder(c);
      for (const v of samples) {
        let expected: unknown, got: unknown;
        try { expected = decodeBinlogValue(v, c); } catch (e) { expected = (e as Error).message; }
        try { got = d(v); } catch (e) { got = (e as Error).message; }
        expect(got).toEqual(expected);
      }
    }
  });
});
