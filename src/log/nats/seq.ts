import { InvalidOffsetError } from '../errors.js';

const RE = /^(0|[1-9]\d{0,15})$/;

/** A NATS log offset is the stream sequence, a positive integer. */
export function parseSeq(text: string, log: string): number {
  if (!RE.test(text)) throw new InvalidOffsetError(text, log, 'a stream sequence number (a non-negative integer)');
  return Number(text);
}
