import { describe, expect, it } from 'vitest';
import { parseVariant } from '../../bench/lib/latency-ab.js';

describe('latency-ab variant specs', () => {
  it('reads every key, with defaults for the rest', () => {
    expect(parseVariant('base', '/co')).toEqual({ name: 'base', workers: 2, mode: 'legacy', dir: '/co', args: [] });
    expect(parseVariant('x,workers=1,mode=shadow,dir=/other,node=--max-semi-space-size=64,args=--mirror-max-load 0.35', '/co')).toEqual({
      name: 'x', workers: 1, mode: 'shadow', dir: '/other', nodeOptions: '--max-semi-space-size=64', args: ['--mirror-max-load', '0.35'],
    });
  });

  it.each([
    ['', 'the name must be'],
    ['a b', 'the name must be'],
    ['x,workers=0', 'variant "x": workers must be an integer >= 1, got "0"'],
    ['x,mode=next', 'variant "x": mode must be legacy or shadow, got "next"'],
    ['x,color=red', 'variant "x": unknown key "color"'],
  ])('refuses %j', (spec, message) => {
    expect(() => parseVariant(spec)).toThrow(message);
  });
});
