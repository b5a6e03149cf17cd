import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, PositionFormatError, positionKind, versionOf } from '../../src/log/version.js';
import { changePosition, comparePositions } from '../../src/capture/binlog/position.js';
import { lsnKey } from '../../src/capture/pgoutput/source.js';
import { pad } from '../../src/capture/records.js';

const sign = (n: number | bigint) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const tuple = (a: readonly bigint[], b: readonly bigint[]) => { for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return sign(a[i]! - b[i]!); return 0; };

describe('versionOf: version order == position order, for every capture method', () => {
  it('trigger changelog ids (as capture writes them: 20 digits)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (a, b) => {
      expect(positionKind(pad(a, 20))).toBe('trigger');
      expect(sign(compareVersions(versionOf(pad(a, 20)), versionOf(pad(b, 20))))).toBe(sign(a - b));
    }));
  });

  it('binlog FILE:OFFSET:ROW, file suffixes past 999999 included (text order of the positions is wrong there)', () => {
    const pos = fc.tuple(fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 4, max: 2 ** 40 }), fc.integer({ min: 0, max: 9_999_999 }));
    fc.assert(fc.property(pos, pos, (a, b) => {
      const pa = changePosition(`mysql-bin.${String(a[0]).padStart(6, '0')}`, a[1], a[2]);
      const pb = changePosition(`mysql-bin.${String(b[0]).padStart(6, '0')}`, b[1], b[2]);
      const expected = tuple(a.map(BigInt), b.map(BigInt));
      expect(sign(compareVersions(versionOf(pa), versionOf(pb)))).toBe(expected);
      expect(sign(comparePositions(pa, pb))).toBe(expected);
    }));
    expect(compareVersions(versionOf('mysql-bin.1000000:000000000004:000000'), versionOf('mysql-bin.999999:000000009999:000000'))).toBeGreaterThan(0);
  });

  it('pgoutput LSN:SEQ, ranks past 999999 included', () => {
    const pos = fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 0, max: 99_999_999 }));
    fc.assert(fc.property(pos, pos, (a, b) => {
      const lsn = (x: bigint) => `${(x >> 32n).toString(16).toUpperCase()}/${(x & 0xffffffffn).toString(16).toUpperCase()}`;
      const pa = `${lsnKey(lsn(a[0]))}:${pad(a[1], 6)}`, pb = `${lsnKey(lsn(b[0]))}:${pad(b[1], 6)}`;
      expect(positionKind(pa)).toBe('pgoutput');
      expect(sign(compareVersions(versionOf(pa), versionOf(pb)))).toBe(tuple([a[0], BigInt(a[1])], [b[0], BigInt(b[1])]));
    }));
  });

  it('anything else is a clear error', () => {
    for (const bad of ['', 'abc', '12:ab', 'x'.repeat(200), '1/2']) {
      expect(() => versionOf(bad)).toThrow(PositionFormatError);
    }
    expect(() => versionOf('nope')).toThrow(/not a source position: expected a trigger changelog id/);
  });
});
