import type { Row, Value } from '../values/index.js';
import { compareKeys } from '../values/index.js';
import type { OwnKeyset } from './own-keyset.js';

/**
 * Next rows of one table in key order, read lazily by pages of the verifier's own keyset: the right side of the
 * merge join. Memory: one page.
 */
export class NextCursor {
  private buf: Row[] = [];
  private i = 0;
  private ended = false;
  private lastKey: readonly Value[] | null = null;
  /** The page after the buffered one, already requested (reads overlap with the merge). */
  private ahead: Promise<Row[]> | null = null;
  /** Next rows read so far. */
  read = 0;

  constructor(private readonly ks: OwnKeyset, readonly key: readonly string[], private readonly pageSize: number) {}

  keyOf(row: Row): Value[] {
    return this.key.map((k) => row[k] ?? null);
  }

  /** The current row (not consumed), or undefined at the end of the table. */
  async peek(): Promise<Row | undefined> {
    if (this.i < this.buf.length) return this.buf[this.i];
    if (this.ended) return undefined;
    const page = await (this.ahead ?? this.ks.page(this.lastKey, this.pageSize));
    this.ahead = null;
    if (page.length < this.pageSize) this.ended = true;
    if (page.length === 0) { this.buf = []; this.i = 0; return undefined; }
    const first = this.keyOf(page[0]!);
    if (this.lastKey && compareKeys(first, this.lastKey) <= 0) throw new Error(`next keyset went backwards at ${JSON.stringify(first)}`);
    this.buf = page;
    this.i = 0;
    this.lastKey = this.keyOf(page[page.length - 1]!);
    this.read += page.length;
    if (!this.ended) {
      this.ahead = this.ks.page(this.lastKey, this.pageSize);
      this.ahead.catch(() => undefined); // awaited by the next peek; a failure is reported there
    }
    return this.buf[0];
  }

  advance(): void {
    this.i++;
  }
}

export type MergeOutcome =
  | { readonly kind: 'match' | 'missing'; readonly actual?: undefined }
  | { readonly kind: 'present'; readonly actual: Row };

/**
 * Merge join of expected rows (sorted by key, unique) with the cursor: every expected key gets the next row with the
 * same key or `missing`; next rows whose key no expected row has are `extras`. Rows of the cursor past the last
 * expected key stay for the next call.
 */
export async function mergeWith(
  expectedKeys: readonly (readonly Value[])[], cursor: NextCursor, extras: Row[],
): Promise<MergeOutcome[]> {
  const out: MergeOutcome[] = [];
  for (const ek of expectedKeys) {
    let row = await cursor.peek();
    while (row && compareKeys(cursor.keyOf(row), ek) < 0) { extras.push(row); cursor.advance(); row = await cursor.peek(); }
    if (row && compareKeys(cursor.keyOf(row), ek) === 0) { out.push({ kind: 'present', actual: row }); cursor.advance(); } else out.push({ kind: 'missing' });
  }
  return out;
}

/** Everything left in the cursor: next rows past the last legacy row. */
export async function drain(cursor: NextCursor, extras: Row[], max: number): Promise<void> {
  let row = await cursor.peek();
  while (row && extras.length < max) { extras.push(row); cursor.advance(); row = await cursor.peek(); }
}
