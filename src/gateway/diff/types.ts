import type { JsonNode } from './json-value.js';

/**
 * Kinds of difference, always from legacy's point of view:
 * - `value`: same JSON type, different value (numbers compared as exact decimals: 12.5 = 12.50, 12.49 ≠ 12.5);
 * - `type`: different JSON types (number vs string, object vs null...), or JSON vs non-JSON body;
 * - `missing`: present in legacy, absent in next; `extra`: absent in legacy, present in next;
 * - `order`: an array with the same elements (as a multiset) in a different order;
 * - `size`: arrays of different lengths (common indexes are still compared one by one).
 * Swapping legacy and next swaps `missing` and `extra` and keeps every other kind.
 */
export type DiffKind = 'value' | 'type' | 'missing' | 'extra' | 'order' | 'size';
export const DIFF_KINDS: readonly DiffKind[] = ['value', 'type', 'missing', 'extra', 'order', 'size'];

export interface Difference {
  /** Concrete path: `$.invoices[3].amount`, `status`, `header:content-type`. */
  readonly path: string;
  /** Aggregation key: `$.invoices[*].amount`. */
  readonly normPath: string;
  readonly kind: DiffKind;
  /** Legacy's value at the path (undefined when absent). For `size`: the array itself. */
  readonly legacy?: JsonNode;
  readonly next?: JsonNode;
  /** Extra explanation, e.g. `text body, 120 vs 131 bytes`. */
  readonly note?: string;
}

export interface DiffOptions {
  /** Arrays matched by an id field instead of by index: normalised array path → field, e.g. `{"$.invoices": "id"}`. */
  readonly keyedArrays?: Readonly<Record<string, string>>;
  /** Headers compared (lower case; default `content-type`). */
  readonly compareHeaders?: readonly string[];
  /** Stop after this many differences in one comparison (default 200; reported as a limit). */
  readonly maxDifferences?: number;
  /** JSON nesting depth compared as trees (deeper subtrees compared as text; default 64). */
  readonly maxDepth?: number;
  /** JSON values parsed per body (more: the body is compared as bytes; default 200,000). */
  readonly maxNodes?: number;
}

/** Why a comparison was partial; reported with the aggregate. */
export type DiffLimit = 'differences' | 'depth' | 'nodes';

export interface DiffResult {
  readonly differences: Difference[];
  readonly limits: DiffLimit[];
}
