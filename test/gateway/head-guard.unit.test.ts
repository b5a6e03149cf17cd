import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEAD_CONTINUES, HEAD_TOO_LARGE, HeadGuard } from '../../src/gateway/http1/head-guard.js';

/** Feeds `data` in the given pieces: where the head ends (offset into data), or 'too-large'. */
function run(guard: HeadGuard, data: Buffer, cuts: number[]): number | 'too-large' | 'unfinished' {
  const points = [...new Set([0, ...cuts.map((c) => c % (data.length + 1)), data.length])].sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const piece = data.subarray(points[i], points[i + 1]);
    const r = guard.scan(piece, 0);
    if (r === HEAD_TOO_LARGE) return 'too-large';
    if (r !== HEAD_CONTINUES) return points[i]! + r;
  }
  return 'unfinished';
}

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const value = fc.stringMatching(/^[ -~]{0,40}$/).map((v) => v.trim());

describe('HeadGuard', () => {
  it('finds the end of any head across any split, and refuses exactly the heads over either limit', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(token, fc.nat(20), value), { maxLength: 40 }), fc.array(fc.nat(5000), { maxLength: 8 }),
      fc.integer({ min: 40, max: 1500 }), fc.integer({ min: 1, max: 45 }), fc.boolean(),
      (headers, cuts, maxBytes, maxHeaders, withBody) => {
        const head = `POST /x HTTP/1.1\r\n${headers.map(([n, ows, v]) => `${n}:${' '.repeat(ows)}${v}\r\n`).join('')}\r\n`;
        const data = Buffer.from(head + (withBody ? 'body\r\n\r\nmore' : ''), 'latin1');
        const got = run(new HeadGuard(maxBytes, maxHeaders), data, cuts);
        const over = head.length > maxBytes || headers.length > maxHeaders;
        expect(got).toBe(over ? 'too-large' : head.length);
      }), { numRuns: 300 });
  });

  it('counts whitespace and line ends, not only names and values', () => {
    const head = Buffer.from(`GET / HTTP/1.1\r\n${`x:${' '.repeat(100)}v\r\n`.repeat(10)}\r\n`, 'latin1');
    expect(new HeadGuard(1000, 100).scan(head, 0)).toBe(HEAD_TOO_LARGE); // 1,068 bytes, 20 of them names and values
    expect(new HeadGuard(2000, 100).scan(head, 0)).toBe(head.length);
  });
});
