const CR = 13;
const LF = 10;

/** `scan` result: the head is over a limit (size or line count). */
export const HEAD_TOO_LARGE = -2;
/** `scan` result: the head goes on past the bytes scanned. */
export const HEAD_CONTINUES = -1;

/**
 * Counts a request head's bytes and lines before llhttp sees them. llhttp's own `maxHeaderSize` (as Node counts it)
 * adds up names, values and the target only: 16,000 empty headers (`a:\r\n`, 64 KB) passed a "16 KB" limit and cost
 * 12–17 ms of CPU each to parse. Here every byte of the head counts, and so does every line, and a head over either
 * limit is refused before a single byte of it is parsed. The head ends at the first CRLF CRLF (strict llhttp accepts
 * no other line end), found across any split of reads.
 */
export class HeadGuard {
  /** Head bytes and line ends seen so far. */
  bytes = 0;
  lines = 0;
  /** How much of CR LF CR LF the bytes seen so far end with (0–3). */
  #tail = 0;

  constructor(readonly maxBytes: number, readonly maxHeaders: number) {}

  reset(): void { this.bytes = 0; this.lines = 0; this.#tail = 0; }

  /**
   * Scans `d` from `off`: the number of bytes up to and including the end of the head, HEAD_CONTINUES when the head goes
   * on past `d`, HEAD_TOO_LARGE when it already exceeds a limit. Never looks further than the size limit allows.
   */
  scan(d: Buffer, off: number): number {
    const end = Math.min(d.length, off + (this.maxBytes - this.bytes));
    // the request line plus maxHeaders header lines plus the empty line
    const maxLines = this.maxHeaders + 2;
    let t = this.#tail;
    for (let i = off; i < end; i++) {
      const b = d[i];
      if (b === LF) {
        if (t === 3) { this.bytes += i + 1 - off; this.#tail = 0; return i + 1 - off; }
        t = t === 1 ? 2 : 0;
        if (++this.lines >= maxLines) return HEAD_TOO_LARGE;
      } else if (b === CR) t = t === 2 ? 3 : 1;
      else t = 0;
    }
    this.#tail = t;
    this.bytes += end - off;
    return end < d.length || this.bytes >= this.maxBytes ? HEAD_TOO_LARGE : HEAD_CONTINUES;
  }
}
