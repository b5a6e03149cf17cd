import type { Side } from './route.js';

/** Number of canary buckets: a percent with two decimals maps to a whole number of buckets. */
export const BUCKETS = 10_000;

/**
 * FNV-1a (32 bit) over the UTF-16 code units of the key, then the bucket. FNV-1a is stable across processes and
 * versions (no seed), which is what stickiness needs; it is not a security boundary.
 */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so that keys differing in the last character spread over all buckets.
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return (h >>> 0) % BUCKETS;
}

/**
 * Sticky canary: bucket < percent*100 → next. Raising the percent only grows the set of next buckets, so a user can
 * only move legacy → next. Without a user key the request gets a random bucket (no stickiness, same share).
 */
export function canarySide(percent: number, userKey: string | undefined): Side {
  const bucket = userKey === undefined ? Math.floor(Math.random() * BUCKETS) : bucketOf(userKey);
  return bucket < Math.round(percent * 100) ? 'next' : 'legacy';
}
