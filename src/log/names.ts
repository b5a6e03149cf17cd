import { InvalidLogNameError } from './errors.js';

const CONSUMER_RE = /^[A-Za-z0-9_.-]{1,128}$/;

/** Consumer names are used as keys on every engine (including NATS KV keys), so they are kept to a safe alphabet. */
export function checkConsumerName(name: string): string {
  if (!CONSUMER_RE.test(name)) {
    throw new InvalidLogNameError('consumer', name, 'use 1 to 128 characters among letters, digits, "_", "." and "-"');
  }
  return name;
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`read limit must be a positive integer, got ${limit}`);
  return limit;
}
