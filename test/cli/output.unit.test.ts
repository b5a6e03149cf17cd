import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatCount, formatShare, formatTable, progress, toJson } from '../../src/cli/output.js';

afterEach(() => { vi.restoreAllMocks(); });

describe('CLI output helpers', () => {
  it('formatTable aligns columns, right-aligns numbers, indents', () => {
    expect(formatTable(['TABLE', 'ROWS', 'NOTE'], [['CLIENT', '1,200', 'ok'], ['FACTURE', '3', '']], { right: [1], indent: '  ' })).toBe(
      '  TABLE     ROWS  NOTE\n  CLIENT   1,200  ok\n  FACTURE      3  ');
  });

  it('numbers and shares', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatShare(0.8415)).toBe('84.1%');
    expect(formatShare(0.99999)).toBe('99.9%');
    expect(formatShare(0.3)).toBe('30.0%');
    expect(formatShare(1)).toBe('100.0%');
  });

  it('toJson serialises bigints and buffers', () => {
    expect(JSON.parse(toJson({ a: 12345678901234567890n, b: Buffer.from('hi') }))).toEqual({ a: '12345678901234567890', b: 'aGk=' });
  });

  it('progress draws a bar with count and ETA on stderr only when enabled, and clears it', () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => { writes.push(s); return true; }) as typeof process.stderr.write);
    const off = progress('x', 10, false);
    off.tick(); off.done();
    expect(writes).toEqual([]);
    const bar = progress('sampling CLIENT', 4, true);
    bar.tick();
    bar.tick(3);
    bar.done();
    expect(writes[0]).toMatch(/^\rsampling CLIENT \[#{6}-{18}\] 1\/4 25\.0% ETA \d+s/);
    expect(writes.at(-2)).toMatch(/\[#{24}\] 4\/4 100\.0%/);
    expect(writes.at(-1)).toBe('\r\u001b[K');
  });
});
