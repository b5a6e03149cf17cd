import { Transform, type TransformCallback } from 'node:stream';
import { SiphonError } from '../errors.js';

/** The request body went past the gateway's limit while streaming (no Content-Length to check up front). */
export class BodyTooLargeError extends SiphonError {
  constructor(readonly limit: number) {
    super('GATEWAY_BODY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`, { limit });
  }
}

/**
 * A pass-through placed between the client's request and undici that sees every body chunk on its way (to count it
 * or copy it for the mirror). A plain 'data' listener on the request would switch it to flowing mode before undici
 * reads it — chunks emitted while the request waits in the pool would be lost. A Transform keeps backpressure and
 * buffers (highWaterMark) until undici reads.
 */
export class BodyTap extends Transform {
  #size = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onChunk?: (chunk: Buffer) => void,
    private readonly onEnd?: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.maxBytes) { cb(new BodyTooLargeError(this.maxBytes)); return; }
    this.onChunk?.(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.onEnd?.();
    cb();
  }
}
