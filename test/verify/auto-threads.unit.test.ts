import { describe, expect, it } from 'vitest';
import { autoThreads } from '../../src/verify/run-verify.js';

describe('siphon verify --threads auto', () => {
  it('leaves one core to the rest, uses at most 4, two on two cores and one on one', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map(autoThreads)).toEqual([1, 2, 2, 3, 4, 4, 4]);
  });
});
