import type { CapturedResponse } from './exchange.js';
import { headerMap } from './headers.js';

/** Keeps the first `limit` bytes of a body (chunks are kept by reference, joined once at the end). */
export class BodyCapture {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;

  constructor(readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.limit - this.#size;
    if (chunk.length > room) {
      if (room > 0) this.#chunks.push(chunk.subarray(0, room));
      this.#size = this.limit;
      this.truncated = true;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  get size(): number { return this.#size; }
  body(): Buffer { return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size); }
}

/** Builds the captured side of an exchange once a response (or failure) is known. */
export function capturedResponse(
  status: number, rawHeaders: readonly (string | Buffer)[], body: BodyCapture, startedAt: number, error?: string,
): CapturedResponse {
  return {
    status, headers: headerMap(rawHeaders), body: body.body(), truncated: body.truncated,
    durationMs: performance.now() - startedAt, ...(error !== undefined ? { error } : {}),
  };
}
