/**
 * What the append thread (pg-append-worker.mjs) answers for a stored batch: the transaction id and the positions of
 * its rows, in order: `first`..`last` when consecutive (the usual case), else `listed`. Both empty without rows.
 */
export interface StoredBatch {
  readonly xid: string;
  readonly first: string;
  readonly last: string;
  /** Comma-separated positions, only when they are not consecutive. */
  readonly listed: string | null;
}

/** How many rows a stored batch holds. */
export function storedCount(b: StoredBatch): number {
  if (b.listed !== null) return b.listed === '' ? 0 : b.listed.split(',').length;
  return b.first === '' ? 0 : Number(BigInt(b.last) - BigInt(b.first) + 1n);
}

/** The offsets of a stored batch's rows, in order. */
export function storedOffsets(b: StoredBatch): string[] {
  if (b.listed !== null) return b.listed === '' ? [] : b.listed.split(',').map((p) => `${b.xid}:${p}`);
  const out: string[] = [];
  if (b.first === '') return out;
  for (let p = BigInt(b.first), last = BigInt(b.last); p <= last; p++) out.push(`${b.xid}:${p}`);
  return out;
}
