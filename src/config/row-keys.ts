import type { TableInfo } from '../backends/types.js';
import { keyToText } from '../values/compare.js';
import type { Row } from '../values/value.js';
import type { MapFailure } from './map-row.js';

/**
 * Rows that cannot be keyed: a row whose key holds a NULL has no identity (unique keys accept several NULLs, and
 * `ON CONFLICT` never matches one), and rows sharing a key that is not declared unique would overwrite each other
 * on write (one of two survives). Both are refused with a reason, never written: the dry run counts them as failed,
 * and the applier quarantines them (`unkeyableRows` on each batch it reads from legacy).
 */

const nullReason = (key: readonly string[], col: string) => `key (${key.join(', ')}): ${col} is NULL; a row without a key cannot be migrated`;
const dupReason = (key: readonly string[]) => `key (${key.join(', ')}): several legacy rows share this key (not declared unique); they would overwrite each other`;

/** A NULL in a key column of the row, as a failure; undefined when the row has a full key. */
export function nullKeyFailure(row: Row, key: readonly string[]): MapFailure | undefined {
  const col = key.find((k) => (row[k] ?? null) === null);
  return col === undefined ? undefined : { stage: 'key', reason: nullReason(key, col) };
}

/**
 * The rows of a batch (any order) that cannot be keyed, by index: every row with a NULL in its key, and every row
 * of a key shared by two or more rows (all of them: which one is right cannot be known). Memory: one entry per row.
 */
export function unkeyableRows(rows: readonly Row[], key: readonly string[]): Map<number, MapFailure> {
  const bad = new Map<number, MapFailure>();
  const seen = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const f = nullKeyFailure(row, key);
    if (f) { bad.set(i, f); return; }
    const k = keyToText(key.map((c) => row[c] ?? null));
    const list = seen.get(k);
    if (list) list.push(i); else seen.set(k, [i]);
  });
  for (const list of seen.values()) if (list.length > 1) for (const i of list) bad.set(i, { stage: 'key', reason: dupReason(key) });
  return bad;
}

/** The failure given to rows of a duplicated key (the same text as `unkeyableRows` gives). */
export function duplicateKeyFailure(key: readonly string[]): MapFailure {
  return { stage: 'key', reason: dupReason(key) };
}

/** Is `key` the primary key or a declared unique key of the table? (Declared unique: no duplicates possible.) */
export function isDeclaredUnique(info: TableInfo, key: readonly string[]): boolean {
  const same = (k: readonly string[]) => k.length === key.length && k.every((x) => key.includes(x));
  return same(info.primaryKey) || info.uniqueKeys.some(same);
}
