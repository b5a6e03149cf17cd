import type { Row, Value } from '../values/index.js';
import { compareKeys, keyToText } from '../values/index.js';
import { VerifyOrderError } from './errors.js';
import type { OwnKeyset } from './own-keyset.js';

/**
 * Next rows of one table in key order, read lazily by pages of the verifier's own keyset: the right side of the
 * merge join. Memory: one page buffered, the following one already requested (reads overlap with the merge).
 *
 * The order is checked row by row, not only between pages: the merge join is only sound when next gives its keys
 * in `compareKeys` order, and the verifier reads next in the column's own collation when that collation is known
 * to sort by code point (see OwnKeyset) — a row out of order makes the pass inconclusive, never a silent miss.
 */
export class NextCursor {
  private buf: Row[] = [];
  private keys: Value[][] = [];
  private i = 0;
  private ended = false;
  private lastKey: readonly Value[] | null = null;
  private ahead: Promise<Row[]> | null = null;
  /** Next rows read so far. */
  read = 0;

  /**
   * `range`: only the rows with a key above `after` and up to `upTo` (null: no bound on that side) — one range of the
   * table (`parts.ts`). Rows past `upTo` end the cursor: they are the next range's.
   */
  constructor(
    private readonly ks: OwnKeyset, readonly key: readonly string[], private readonly pageSize: number,
    private readonly range?: { readonly after: readonly Value[] | null; readonly upTo: readonly Value[] | null },
  ) {
    if (range) { this.lastKey = range.after; ks.beginRange(); }
  }

  keyOf(row: Row): Value[] {
    return this.key.map((k) => row[k] ?? null);
  }

  /** A row is buffered: `head()`/`headKey()` may be read without waiting. */
  hasBuffered(): boolean {
    return this.i < this.buf.length;
  }

  /** The current buffered row (call `hasBuffered()` or `fill()` first). */
  head(): Row {
    return this.buf[this.i]!;
  }

  /** The key of the current buffered row (computed once per row, when its page arrives). */
  headKey(): readonly Value[] {
    return this.keys[this.i]!;
  }

  /** Buffers the next page when the current one is used up; false at the end of the table. */
  async fill(): Promise<boolean> {
    if (this.i < this.buf.length) return true;
    if (this.ended) return false;
    let page = await (this.ahead ?? this.ks.page(this.lastKey, this.pageSize));
    this.ahead = null;
    if (page.length < this.pageSize) this.ended = true;
    let keys = page.map((r) => this.keyOf(r));
    let prev = this.lastKey;
    const upTo = this.range?.upTo;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      if (prev && compareKeys(k, prev) <= 0) throw new VerifyOrderError('next', keyToText(k), keyToText(prev));
      if (upTo && compareKeys(k, upTo) > 0) { page = page.slice(0, j); keys = keys.slice(0, j); this.ended = true; break; }
      prev = k;
    }
    this.buf = page;
    this.keys = keys;
    this.i = 0;
    if (page.length === 0) return false;
    this.lastKey = keys[keys.length - 1]!;
    this.read += page.length;
    if (!this.ended) {
      this.ahead = this.ks.page(this.lastKey, this.pageSize);
      this.ahead.catch(() => undefined); // awaited by the next fill; a failure is reported there
    }
    return true;
  }

  /** The current row (not consumed), or undefined at the end of the table. */
  async peek(): Promise<Row | undefined> {
    return (await this.fill()) ? this.head() : undefined;
  }

  advance(): void {
    this.i++;
  }
}

/**
 * Merge join of expected keys (sorted, unique) with the cursor: `visit(j, row)` for every expected key, with the
 * next row of the same key or undefined (missing); next rows whose key no expected key has go to `extras`. Rows of
 * the cursor past the last expected key stay for the next call. Waits only when a page is used up.
 */
export async function mergeWith(
  expectedKeys: readonly (readonly Value[])[], cursor: NextCursor, extras: Row[], visit: (j: number, actual: Row | undefined) => void,
): Promise<void> {
  for (let j = 0; j < expectedKeys.length; j++) {
    const ek = expectedKeys[j]!;
    let c = 1; // past the end of next: missing
    for (;;) {
      if (!cursor.hasBuffered() && !(await cursor.fill())) break;
      c = compareKeys(cursor.headKey(), ek);
      if (c >= 0) break;
      extras.push(cursor.head());
      cursor.advance();
      c = 1;
    }
    if (c === 0) { visit(j, cursor.head()); cursor.advance(); } else visit(j, undefined);
  }
}

/** Everything left in the cursor, up to `max` rows: next rows past the last legacy row. */
export async function drain(cursor: NextCursor, extras: Row[], max: number): Promise<void> {
  while (extras.length < max && (cursor.hasBuffered() || await cursor.fill())) { extras.push(cursor.head()); cursor.advance(); }
}
